"""REST API for the outcomes: results (same objects as `compute_results --json`,
issue 4) and the roster (same objects as `rewards --json`, issue 5), with the pages'
rules: office and panel leaders see all, agencies only their own and only once
published, everyone else 404 (HSC-9, CITY-6, CITY-12..13)."""

import json

import pytest
from django.core.management import call_command

from serviceeval.accounts.enums import Role
from serviceeval.reviews.services import publish_results
from tests.factories import AgencyFactory, user_for
from tests.reviews.helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def api_get(client, user, url):
    client.force_login(user)
    return client.get("/api/v1" + url)


def scored_cycle():
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    score_all(cycle, [(x, r, "0.8") for x in (a, b) for r in (convener, member)])
    return cycle, a, b, convener, member, office


def test_results_match_compute_results_json_for_the_office_and_the_convener(client, capsys):
    cycle, _a, _b, convener, _member, office = scored_cycle()
    call_command("compute_results", "--cycle", str(cycle.year), "--json")
    expected = json.loads(capsys.readouterr().out)
    assert api_get(client, office, f"/cycles/{cycle.year}/results").json() == expected
    assert api_get(client, convener, f"/cycles/{cycle.year}/results").json() == expected
    assert len(expected) == 2 and set(expected[0]) == {
        "agency",
        "name",
        "group",
        "status",
        "total",
        "grade",
        "final_grade",
        "rank",
        "category",
        "grade_name",
        "final_grade_name",
    }


def test_agency_sees_only_its_own_result_and_only_once_published(client):
    cycle, a, b, _c, _m, office = scored_cycle()
    officer = user_for(Role.AGENCY_OFFICER, agency=a)
    assert api_get(client, officer, f"/cycles/{cycle.year}/results").json() == []
    publish_results(cycle=cycle, actor=office)
    rows = api_get(client, officer, f"/cycles/{cycle.year}/results").json()
    assert [r["agency"] for r in rows] == [a.code]
    assert b.code not in json.dumps(rows)


@pytest.mark.parametrize("who", ["member", "tester", "stranger"])
def test_results_answer_404_to_everyone_else(client, who):
    cycle, _a, _b, _c, member, _o = scored_cycle()
    user = {
        "member": lambda: member,
        "tester": lambda: user_for(Role.TESTER),
        "stranger": lambda: user_for(Role.AGENCY_OFFICER, agency=AgencyFactory()),
    }[who]()
    assert api_get(client, user, f"/cycles/{cycle.year}/results").status_code == 404
    assert api_get(client, user, f"/cycles/{cycle.year}/rewards").status_code == 404


def test_unknown_cycle_answers_404(client):
    assert api_get(client, user_for(Role.COORDINATOR), "/cycles/999/results").status_code == 404


def test_roster_matches_rewards_json_for_the_office(client, capsys):
    from tests.fieldtests.helpers import a_tester, call, city_cycle

    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester(), staff="受測者")
    call_command("rewards", "--cycle", str(cycle.year), "--json")
    expected = json.loads(capsys.readouterr().out)
    office = user_for(Role.COORDINATOR)
    assert expected and api_get(client, office, f"/cycles/{cycle.year}/rewards").json() == expected
    officer = user_for(Role.AGENCY_OFFICER, agency=a)
    assert api_get(client, officer, f"/cycles/{cycle.year}/rewards").status_code == 404
