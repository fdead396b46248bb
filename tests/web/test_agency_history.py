"""Issue 12 item 3: an agency's results by year (`/agencies/<pk>/history/`) — grades,
totals and ranks, dimension totals, the four HSC-8 growth rates and the field-test
yearly averages of each published cycle, every chart beside a table with the same
figures. The office sees every agency; agency staff their own and, CITY-6, a
first-level agency its subordinates'; any other agency answers 404."""

from datetime import datetime
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
from serviceeval.reviews.models import Result
from serviceeval.submissions.enums import Kind, State
from serviceeval.submissions.models import MetricValue, Submission
from tests.factories import AgencyFactory, make_cycle, user_for

pytestmark = pytest.mark.django_db


def _publish(cycle):
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at"])


def _year(year, agency, tester, *, total, grade, nodes, metrics=None, phone=None, visit=None):
    """A published cycle of `year` with the agency's result, report figures and tests."""
    cycle = make_cycle(year=year, agencies=Agency.objects.none())
    Result.objects.create(
        cycle=cycle,
        agency=agency,
        group="1",
        category="overall",
        status="complete",
        total=Decimal(total),
        grade=grade,
        final_grade=grade,
        rank=2,
        detail={"nodes": nodes},
        published_at=timezone.now(),
    )
    if metrics:
        sub = Submission.objects.create(
            cycle=cycle, agency=agency, kind=Kind.REPORT, category="overall", state=State.ACCEPTED
        )
        for code, (this, last) in metrics.items():
            MetricValue.objects.create(
                submission=sub, code=code, this_year=Decimal(this), last_year=Decimal(last)
            )
    when = timezone.make_aware(datetime(year + 1911, 6, 1, 10))
    if phone is not None:
        PhoneTest.objects.create(
            cycle=cycle,
            agency=agency,
            tester=tester,
            called_at=when,
            part_scores=phone,
            imported=True,
        )
    if visit is not None:
        MysteryVisit.objects.create(
            cycle=cycle, agency=agency, tester=tester, visited_at=when, score=Decimal(visit)
        )
    _publish(cycle)
    return cycle


@pytest.fixture
def world():
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    child = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=parent)
    other = AgencyFactory()
    tester = user_for(Role.TESTER)
    _year(
        103,
        child,
        tester,
        total="778.00",
        grade="B",
        nodes={"1": "312.25", "2": "234.25", "3": "231.5"},
        metrics={"service_satisfaction": ("85", "82.4"), "online_cases": ("11800", "9500")},
        phone={"switchboard": "36", "business": "44"},  # 80 of 100
        visit="95",
    )
    _year(
        104,
        child,
        tester,
        total="823.50",
        grade="A",
        nodes={"1": "327.25", "2": "245.5", "3": "250.75"},
        metrics={"service_satisfaction": ("88.5", "85")},
        phone={"switchboard": "45", "business": "55"},  # 100
        visit="90",
    )
    make_cycle(year=105, agencies=Agency.objects.none())  # not published: not shown
    return parent, child, other


def _get(client, user, agency):
    client.force_login(user)
    return client.get(f"/agencies/{agency.pk}/history/")


def test_both_earlier_cycles_are_in_the_charts_and_the_tables(client, world):
    parent, child, other = world
    response = _get(client, user_for(Role.AGENCY_OFFICER, agency=child), child)
    assert response.status_code == 200
    years = response.context["body"]["years"]
    assert [y["cycle"].year for y in years] == [103, 104]
    html = response.content.decode()
    for text in ("民國103年", "民國104年", "778", "823.5", "乙等", "甲等", "312.25", "250.75"):
        assert text in html, text
    # HSC-8: (85 − 82.4) ÷ 82.4 = 3.16%, (88.5 − 85) ÷ 85 = 4.12%; no figures → —.
    assert [g["text"] for g in years[0]["growth"]] == ["3.16%", "—", "—", "24.21%"]
    assert years[1]["growth"][0]["text"] == "4.12%"
    # CITY-8/9 yearly averages per year.
    assert (years[0]["phone_text"], years[0]["mystery_text"]) == ("80", "95")
    assert (years[1]["phone_text"], years[1]["mystery_text"]) == ("100", "90")
    charts = response.context["body"]["charts"]
    assert set(charts) == {"totals", "dimensions", "growth", "field_tests"}
    for markup in charts.values():
        root = ET.fromstring(str(markup))
        desc = root.find("{http://www.w3.org/2000/svg}desc").text
        assert "103年" in desc and "104年" in desc
        assert str(markup) in html  # inline, beside its table


def test_first_level_agency_sees_its_subordinates_history_city6(client, world):
    parent, child, other = world
    head = user_for(Role.AGENCY_HEAD, agency=parent)
    assert _get(client, head, child).status_code == 200
    assert _get(client, head, parent).status_code == 200  # its own: none published
    assert "尚無已公布之考核結果" in _get(client, head, parent).content.decode()


def test_another_agency_answers_404(client, world):
    parent, child, other = world
    assert _get(client, user_for(Role.AGENCY_OFFICER, agency=other), child).status_code == 404
    # A subordinate does not see its parent's (nor a sibling's) history.
    assert _get(client, user_for(Role.AGENCY_OFFICER, agency=child), parent).status_code == 404
    assert _get(client, user_for(Role.COORDINATOR), child).status_code == 200
    assert _get(client, user_for(Role.COORDINATOR), Agency(pk=999999)).status_code == 404


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TESTER])
def test_reviewers_and_testers_have_no_history_page(client, world, role):
    parent, child, other = world
    assert _get(client, user_for(role), child).status_code == 403


def test_the_agency_page_and_the_results_card_link_to_it(client, world):
    parent, child, other = world
    officer = user_for(Role.AGENCY_OFFICER, agency=child)
    client.force_login(officer)
    url = f"/agencies/{child.pk}/history/"
    assert url in client.get(f"/agencies/{child.pk}/").content.decode()
    assert url in client.get("/dashboard/").content.decode()


def _count(client, user, url):
    client.force_login(user)
    client.get(url)  # warm caches (program spec, session)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


def test_history_queries_do_not_grow_with_years(client):
    """SPEC §5: the same number of queries for one published year as for five."""
    tester = user_for(Role.TESTER)
    office = user_for(Role.COORDINATOR)
    counts = []
    for first, n in ((101, 1), (106, 5)):
        agency = AgencyFactory()
        for year in range(first, first + n):
            _year(
                year,
                agency,
                tester,
                total="800",
                grade="A",
                nodes={"1": "300", "2": "250", "3": "250"},
                metrics={"service_satisfaction": ("90", "80")},
                phone={"switchboard": "45", "business": "55"},
                visit="90",
            )
        officer = user_for(Role.AGENCY_OFFICER, agency=agency)
        url = f"/agencies/{agency.pk}/history/"
        counts.append((_count(client, officer, url), _count(client, office, url)))
        assert len(client.get(url).context["body"]["years"]) == n
    assert counts[0] == counts[1]
