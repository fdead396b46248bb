"""Issue 15 item 3 on the national award page: the dates of a status, a training
session and a reuse typed in the ROC calendar."""

from datetime import date

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.rewards import services
from serviceeval.rewards.models import MaterialReuse, TrainingAttendance
from tests.factories import user_for

from .test_preselection import world

pytestmark = pytest.mark.django_db


def test_award_dates_typed_in_the_roc_calendar_and_one_that_does_not_read(client):
    cycle, _parent, _kids, _other = world()
    office = user_for(Role.COORDINATOR)
    [n, _] = services.nominations_enter_first_level(cycle=cycle, actor=office)
    client.force_login(office)
    page = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert 'type="date"' not in page
    assert f'id="a{n.pk}-on"' in page and 'placeholder="民國115年4月30日"' in page
    url = f"/rewards/award/{n.pk}/"
    response = client.post(
        url + "attendance/", {"session": "參獎輔導課程", "on": "民國116年12月1日", "attended": "on"}
    )
    assert response.status_code == 302
    assert TrainingAttendance.objects.get().on == date(2027, 12, 1)
    client.post(url + "reuse/", {"what": "標竿學習觀摩會", "on": "117/01/10"})
    assert MaterialReuse.objects.get().on == date(2028, 1, 10)
    bad = client.post(url + "reuse/", {"what": "觀摩", "on": "一月十日"}, follow=True)
    html = bad.content.decode()
    assert "請填寫資料再利用於何處及日期。" in html
    assert "「日期」無法辨識為日期：請以「民國115年4月30日」或「115/04/30」填寫。" in html
    assert MaterialReuse.objects.count() == 1
