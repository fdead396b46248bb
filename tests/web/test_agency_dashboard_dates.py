"""The agency dashboard (issue 2 item 5, issue 3 item 8): the cycle's calendar is
labelled as dates, not as deadlines (a covered period's start is not a deadline),
and the agency's own deadline, moved by an office reopening, is what the
"My submissions" panel shows."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.submissions.services import submission_reopen
from tests.factories import user_for
from tests.submissions.conftest import build_world

pytestmark = pytest.mark.django_db
TAIPEI = ZoneInfo("Asia/Taipei")


def test_a_reopened_deadline_is_the_one_the_agency_sees(client):
    w = build_world(program_code="city-service-upgrade", year=116)
    new_deadline = datetime(2027, 6, 15, 17, 0, tzinfo=TAIPEI)
    submission_reopen(
        cycle=w.cycle,
        agency=w.agency,
        kind="plan",
        category="overall",
        user=user_for(Role.COORDINATOR),
        deadline=new_deadline,
        reason="補件",
    )
    client.force_login(w.officer)
    html = client.get("/dashboard/").content.decode()
    assert '實施計畫</a> · <span class="tag ">草稿</span> · 期限 民國116年6月15日 17:00' in html
    assert "民國116年4月30日 23:59 · 民國116年 實施計畫函送期限" in html  # the calendar


def test_past_milestones_are_listed_as_dates_not_deadlines(client):
    w = build_world(program_code="hsinchu-105", year=105)
    client.force_login(w.officer)
    html = client.get("/dashboard/").content.decode()
    calendar = html[html.index('id="p-agency-h"') :]
    calendar = calendar[: calendar.index("</section>")]
    assert "考核時程" in calendar and "已過時程" in calendar
    assert "已過期限" not in html
    assert "民國105年" in calendar
