"""The office's field-test analysis and dashboard panel at national scale (SPEC §5
pages): computed once per data revision, never stale after a recorded or deleted
call; query counts that do not grow with the agencies, cold or warm."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.core import memo
from serviceeval.fieldtests.services import record_delete
from tests.factories import user_for
from tests.fieldtests.helpers import a_tester, call, city_cycle

pytestmark = pytest.mark.django_db


def averages_row(html, agency):
    start = html.index(f'data-agency="{agency.code}"')
    return html[start : html.index("</tr>", start)]


def test_the_analysis_follows_a_recorded_and_a_deleted_call(client):
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    office = user_for(Role.COORDINATOR)
    client.force_login(office)
    first = call(cycle, a, who)
    url = f"/fieldtests/?cycle={cycle.year}"
    assert "<td>1</td>" in averages_row(client.get(url).content.decode(), a)
    call(cycle, a, who, missing=("sw_greeting",))
    row = averages_row(client.get(url).content.decode(), a)
    assert "<td>2</td>" in row
    record_delete(record=first, actor=office, reason="重複登錄")
    assert "<td>1</td>" in averages_row(client.get(url).content.decode(), a)


def test_the_dashboard_counts_follow_a_recorded_call(client):
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    client.force_login(user_for(Role.COORDINATOR))
    call(cycle, a, who)
    before = client.get("/dashboard/").content.decode()
    call(cycle, a, who)
    after = client.get("/dashboard/").content.decode()
    assert before != after


def count(client, url, cold):
    if cold:
        memo.clear()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url", ["/fieldtests/?cycle={year}", "/dashboard/"])
def test_office_pages_queries_do_not_grow_with_agencies(client, url):
    office = user_for(Role.COORDINATOR)
    counts = []
    for n, year in ((1, 116), (5, 117)):
        cycle, agencies = city_cycle(n, year=year)
        who = a_tester()
        for a in agencies:
            call(cycle, a, who)
        client.force_login(office)
        client.get(url.format(year=year))
        counts.append(
            (
                count(client, url.format(year=year), True),
                count(client, url.format(year=year), False),
            )
        )
    assert counts[0] == counts[1]


def test_the_monthly_trend_has_a_chart_beside_its_table(client):
    """Issue 12 item 3: the office's pages draw the monthly trend as a line chart
    (text alternative included) beside the table with the same averages."""
    from xml.etree import ElementTree as ET

    cycle, (a,) = city_cycle(1, year=116)
    call(cycle, a, a_tester())
    client.force_login(user_for(Role.COORDINATOR))
    for url in (f"/fieldtests/?cycle={cycle.year}", f"/fieldtests/{cycle.year}/agency/{a.pk}/"):
        response = client.get(url)
        chart = response.context["trend_chart"]
        root = ET.fromstring(str(chart))
        assert root.get("role") == "img"
        desc = root.find("{http://www.w3.org/2000/svg}desc").text
        month = response.context["trend"][0]
        assert f"{month['month']}月" in desc and month["phone_text"] in desc
        assert str(chart) in response.content.decode()
