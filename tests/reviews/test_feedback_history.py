"""The feedback report puts last time beside this time (issue 4 item 6): the
agency's most recent earlier result under the same program and category, never
another program's or the other CITY rubric's (CITY-1), and it names the year."""

from decimal import Decimal

import pytest
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.reviews.models import Result
from serviceeval.reviews.services import publish_results
from tests.factories import make_cycle, user_for

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def _past_result(cycle, agency, total, grade, node_total, category="overall"):
    return Result.objects.create(
        cycle=cycle,
        agency=agency,
        group="1",
        category=category,
        status="complete",
        total=Decimal(total),
        grade=grade,
        final_grade=grade,
        rank=1,
        detail={"nodes": {"1": node_total}},
        published_at=timezone.now(),
    )


def _feedback(client, cycle, agency):
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=agency))
    response = client.get(f"/reviews/cycles/{cycle.year}/feedback/{agency.pk}/")
    assert response.status_code == 200
    return response


def test_last_time_is_the_same_programs_latest_earlier_result(client):
    cycle, (a,), (r1,), office = setup_cycle(1, 1, year=105)
    score_all(cycle, [(a, r1, "0.9")])
    publish_results(cycle=cycle, actor=office)
    older = make_cycle(year=102, agencies=Agency.objects.none())
    latest = make_cycle(year=103, agencies=Agency.objects.none())
    other_program = make_cycle(
        year=104, program_code="city-service-upgrade", agencies=Agency.objects.none()
    )
    _past_result(older, a, "650.00", "C", "100")
    _past_result(latest, a, "777.00", "B", "222.5")
    _past_result(other_program, a, "555.00", "A", "999")

    response = _feedback(client, cycle, a)
    assert response.context["previous"].cycle == latest
    html = response.content.decode()
    assert "777.00" in html and "乙等" in html and "103" in html
    assert "555.00" not in html and "650.00" not in html
    row = next(r for r in response.context["rows"] if r["node"].code == "1")
    # Issue 12 item 3: the cell says which year the figure is from.
    assert row["last"] == "民國103年度：222.5"
    assert row["last_points"] == "222.5"
    assert "民國103年度：222.5" in html
    assert "no-last-time" not in html


def test_a_result_under_the_other_category_is_not_compared_city1(client):
    cycle, (a,), (r1,), office = setup_cycle(1, 1, year=105)
    score_all(cycle, [(a, r1, "0.9")])
    publish_results(cycle=cycle, actor=office)
    _past_result(
        make_cycle(year=104, agencies=Agency.objects.none()),
        a,
        "800.00",
        "A",
        "300",
        category="project",
    )

    response = _feedback(client, cycle, a)
    assert response.context["previous"] is None
    assert all(r["last"] == "—" for r in response.context["rows"])
    assert 'id="no-last-time"' in response.content.decode()
