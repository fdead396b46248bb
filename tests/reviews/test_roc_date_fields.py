"""Issue 15 item 3 on the improvement items and the scoring deadline: ROC dates typed in."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from serviceeval.core.roc import format_roc_date
from serviceeval.reviews.models import Improvement

from .helpers import setup_cycle

pytestmark = pytest.mark.django_db


def test_improvement_deadline_typed_in_the_roc_calendar(client):
    cycle, (a, _b), _reviewers, office = setup_cycle(2, 1)
    client.force_login(office)
    form = {"cycle": cycle.year, "agency": a.pk, "text": "請改善電話禮貌", "criterion": ""}
    due = date.today() + timedelta(days=30)
    page = client.get("/reviews/improvements/").content.decode()
    assert 'placeholder="民國115年4月30日"' in page and 'type="date"' not in page
    bad = client.post("/reviews/improvements/", {**form, "deadline": "下個月底"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "「期限」無法辨識為日期" in html and 'value="下個月底"' in html
    assert not Improvement.objects.exists()
    response = client.post("/reviews/improvements/", {**form, "deadline": format_roc_date(due)})
    assert response.status_code == 302
    assert Improvement.objects.get().deadline == due


def test_scoring_deadline_typed_as_roc_slashes(client):
    from serviceeval.reviews.selectors.progress import scoring_deadline

    cycle, _agencies, _reviewers, office = setup_cycle(1, 1)
    client.force_login(office)
    url = f"/reviews/cycles/{cycle.year}/progress/"
    bad = client.post(url, {"action": "deadline", "day": "115/13/01"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "「評分期限」：沒有「115/13/01」這一天" in html and 'value="115/13/01"' in html
    assert scoring_deadline(cycle) is None
    day = timezone.localdate() + timedelta(days=20)
    typed = f"{day.year - 1911}/{day:%m/%d}"
    response = client.post(url, {"action": "deadline", "day": typed}, follow=True)
    assert "已通知考核小組" in response.content.decode()
    assert timezone.localtime(scoring_deadline(cycle)).date() >= day
