"""Issue 15 item 3 on the office calendar page: a day typed in the ROC calendar."""

from datetime import date

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.cycles.models import CalendarDay
from tests.factories import make_cycle, user_for

pytestmark = pytest.mark.django_db


def test_calendar_day_typed_in_the_roc_calendar_and_one_that_does_not_read(client):
    make_cycle(year=116, program_code="city-service-upgrade")
    client.force_login(user_for(Role.COORDINATOR))
    page = client.get("/calendar/?year=116").content.decode()
    assert 'placeholder="民國115年4月30日"' in page and 'type="date"' not in page
    response = client.post(
        "/calendar/day/?year=116", {"date": "民國116年4月30日", "day_off": "1", "note": "調整放假"}
    )
    assert response.status_code == 302
    assert CalendarDay.objects.get().date == date(2027, 4, 30)
    bad = client.post("/calendar/day/?year=116", {"date": "四月三十", "day_off": "1"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "「日期」無法辨識為日期：請以「民國115年4月30日」或「115/04/30」填寫。" in html
    assert 'value="四月三十"' in html
    no_day = client.post("/calendar/day/?year=116", {"date": "116/02/29", "day_off": "1"})
    assert "沒有「116/02/29」這一天" in no_day.content.decode()
    assert CalendarDay.objects.count() == 1
