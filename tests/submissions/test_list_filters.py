"""Issue 12 item 4: the office's submission status page searched by agency code or
name and sorted by code, name, group, category, the plan's and the report's state
(both ways), beside the group, category and status filters and the paging; the
filters stay in the pager's and the sort links; the query count does not grow
with agencies."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency, Group
from serviceeval.cycles.models import Participant
from serviceeval.submissions import views
from serviceeval.submissions.services import SaveInput
from tests.factories import AgencyFactory, make_cycle, user_for

from .conftest import World
from .helpers import approved_and_submitted, plan, report, save

pytestmark = pytest.mark.django_db


def codes(html):
    """The agency codes of the table's rows, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<td class="code">([^<]+)</td>', body)


@pytest.fixture
def status_world(client):
    """CITY cycle 116: S1 (group 1, project) plan submitted, report draft; S2
    (group 1) report draft; S3 (group 2) nothing yet."""
    a = AgencyFactory(code="S1", name="丙機關", category="project")
    b = AgencyFactory(code="S2", name="甲機關")
    c = AgencyFactory(code="S3", name="乙機關")
    cycle = make_cycle(
        year=116,
        program_code="city-service-upgrade",
        agencies=Agency.objects.filter(pk__in=[a.pk, b.pk, c.pk]),
    )
    g1 = Group.objects.get_or_create(code="1", defaults={"name": "第一組"})[0]
    g2 = Group.objects.get_or_create(code="2", defaults={"name": "第二組"})[0]
    Participant.objects.filter(cycle=cycle).update(group=g1)
    Participant.objects.filter(cycle=cycle, agency=c).update(group=g2)
    office = user_for(Role.COORDINATOR)
    for agency in (a, b):
        w = World(
            cycle=cycle,
            agency=agency,
            other=None,
            officer=user_for(Role.AGENCY_OFFICER, agency=agency),
            head=user_for(Role.AGENCY_HEAD, agency=agency),
            other_officer=None,
            office=office,
        )
        save(report(w), w.officer, SaveInput(sections={"survey_method": "問卷"}))
        if agency == a:
            approved_and_submitted(w, plan(w))
    client.force_login(office)
    return client


URL = "/submissions/status/?cycle=116"


def test_search_by_agency_code_or_name(status_world):
    assert codes(status_world.get(URL + "&q=s2").content.decode()) == ["S2"]
    assert codes(status_world.get(URL + "&q=乙機").content.decode()) == ["S3"]
    html = status_world.get(URL + "&q=nothing").content.decode()
    assert codes(html) == [] and 'value="nothing"' in html


def test_search_narrows_the_counts_too(status_world):
    html = status_world.get(URL + "&q=S3").content.decode()
    assert re.search(r"未開始\s*2", html), "S3 owes a plan and a report"


def test_existing_filters_still_apply_with_search(status_world):
    assert codes(status_world.get(URL + "&group=2").content.decode()) == ["S3"]
    assert codes(status_world.get(URL + "&category=project").content.decode()) == ["S1"]
    assert codes(status_world.get(URL + "&status=submitted").content.decode()) == ["S1"]
    assert codes(status_world.get(URL + "&status=draft&q=S2").content.decode()) == ["S2"]


@pytest.mark.parametrize(
    "key, ascending",
    [
        ("group", ["S1", "S2", "S3"]),
        ("code", ["S1", "S2", "S3"]),
        ("name", ["S3", "S2", "S1"]),  # 乙 甲 丙 by code point
        ("category", ["S2", "S3", "S1"]),  # overall < project
        ("plan", ["S2", "S3", "S1"]),  # not started before submitted
        ("report", ["S3", "S1", "S2"]),  # not started before draft
    ],
)
def test_every_column_sorts_both_ways(status_world, key, ascending):
    if key == "name":
        ascending = [
            a.code for a in Agency.objects.filter(code__startswith="S").order_by("name", "code")
        ]
    assert codes(status_world.get(f"{URL}&sort={key}").content.decode()) == ascending
    # Descending flips the tie-breaks too (group, then code).
    assert codes(status_world.get(f"{URL}&sort=-{key}").content.decode()) == ascending[::-1]


def test_sort_links_and_pager_keep_cycle_and_filters(status_world, monkeypatch):
    monkeypatch.setattr(views, "STATUS_PAGE_SIZE", 1)
    html = status_world.get(URL + "&q=S&group=1&sort=-code").content.decode()
    assert codes(html) == ["S2"]
    assert 'aria-sort="descending"' in html
    assert 'href="?q=S&amp;cycle=116&amp;group=1&amp;sort=code"' in html
    assert 'href="?q=S&amp;cycle=116&amp;group=1&amp;sort=-code&amp;page=2"' in html
    assert '<input type="hidden" name="sort" value="-code">' in html
    page2 = status_world.get(URL + "&q=S&group=1&sort=-code&page=2").content.decode()
    assert codes(page2) == ["S1"]


def test_two_searches_never_share_a_cached_body(status_world):
    assert codes(status_world.get(URL + "&q=S1").content.decode()) == ["S1"]
    assert codes(status_world.get(URL + "&q=S2").content.decode()) == ["S2"]


def test_hostile_values_answer_a_page(status_world):
    for query in ("sort=__class__", "sort=-plan_rank", "q=" + "x" * 300, "page=x", "status=';"):
        assert status_world.get(f"{URL}&{query}").status_code < 500


@pytest.mark.parametrize(
    "query", ["", "&q=A&sort=-name", "&sort=plan", "&sort=-report&status=draft"]
)
def test_queries_do_not_grow_with_agencies(client, query):
    from serviceeval.core import fragments

    counts = []
    office = user_for(Role.COORDINATOR)
    client.force_login(office)
    for n, year in ((1, 116), (5, 117)):
        agencies = [AgencyFactory() for _ in range(n)]
        make_cycle(
            year=year,
            program_code="city-service-upgrade",
            agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]),
        )
        url = f"/submissions/status/?cycle={year}{query}"
        client.get(url)  # warm
        fragments.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
