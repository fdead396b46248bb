"""Issue 15 item 3 on the field-test forms: the moment of a call or a visit typed in
the ROC calendar; one that does not read is named and kept in the box."""

import pytest
from django.utils import timezone

from serviceeval.fieldtests.models import MysteryVisit, PhoneTest

from .helpers import a_tester, city_cycle

pytestmark = pytest.mark.django_db

CALL = {"unit": "戶籍課", "part_switchboard": "on", "part_business": "on"}


def test_a_call_typed_in_the_roc_calendar_and_one_that_does_not_read(client):
    cycle, (a,) = city_cycle(1)
    client.force_login(a_tester())
    url = f"/fieldtests/{cycle.year}/phone/new/"
    page = client.get(url).content.decode()
    assert 'type="datetime-local"' not in page
    assert 'placeholder="民國115年4月30日 17:00"' in page
    bad = client.post(url, {**CALL, "agency": a.pk, "called_at": "116年3月5日 上午十點"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "「撥測日期時間」無法辨識為日期時間" in html
    assert 'value="116年3月5日 上午十點"' in html
    assert not PhoneTest.objects.exists()
    response = client.post(url, {**CALL, "agency": a.pk, "called_at": "民國116年3月5日 10:00"})
    assert response.status_code == 302
    called = timezone.localtime(PhoneTest.objects.get().called_at)
    assert called.isoformat() == "2027-03-05T10:00:00+08:00"


def test_a_visit_typed_as_roc_slashes(client):
    cycle, (a,) = city_cycle(1)
    client.force_login(a_tester())
    url = f"/fieldtests/{cycle.year}/visit/new/"
    data = {"agency": a.pk, "visited_at": "116/03/05 14:30", "item_env_signage": "on"}
    assert client.post(url, data).status_code == 302
    visited = timezone.localtime(MysteryVisit.objects.get().visited_at)
    assert visited.isoformat() == "2027-03-05T14:30:00+08:00"
