"""Issue 15 item 3 on a submission's page: the new deadline of a reopening typed in
the ROC calendar, and one that does not read named in the message."""

import pytest
from django.utils import timezone

from serviceeval.submissions.models import Reopen

from .conftest import build_world


def detail_url(w):
    return f"/submissions/{w.cycle.year}/report/{w.agency.pk}/"


@pytest.mark.django_db
def test_office_reopens_with_a_deadline_typed_in_the_roc_calendar(client):
    w = build_world(year=105)
    client.force_login(w.office)
    page = client.get(detail_url(w)).content.decode()
    assert 'type="datetime-local"' not in page
    assert 'id="reopen-deadline"' in page and 'placeholder="民國115年4月30日 17:00"' in page
    bad = client.post(
        detail_url(w) + "reopen/", {"deadline": "年底前", "reason": "補件"}, follow=True
    )
    assert "「新期限（臺北時間）」無法辨識為日期時間" in bad.content.decode()
    assert not Reopen.objects.exists()
    response = client.post(
        detail_url(w) + "reopen/", {"deadline": "民國188年12月31日 17:00", "reason": "補件"}
    )
    assert response.status_code == 302
    deadline = timezone.localtime(Reopen.objects.get().deadline)
    assert deadline.isoformat() == "2099-12-31T17:00:00+08:00"
