"""Rewards predicates (CITY-10) and issue 10's "no write on a GET": the roster is
recomputed by the writes that change its inputs, never by reading it."""

import pytest
from django.core.management import call_command

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.core.models import AuditEvent
from serviceeval.rewards import rules
from serviceeval.rewards.models import RewardEntry
from tests.factories import AgencyFactory, make_cycle, user_for
from tests.rewards.test_results_integration import roster_people, score_csv

pytestmark = pytest.mark.django_db


def test_who_proposes_a_nomination_city10():
    first = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    sub = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=first)
    stranger = AgencyFactory(kind=AgencyKind.SUBORDINATE)
    officer = user_for(Role.AGENCY_OFFICER, first)
    assert rules.can_propose_nomination(officer, sub)
    assert not rules.can_propose_nomination(officer, stranger)
    assert not rules.can_propose_nomination(user_for(Role.AGENCY_OFFICER, sub), sub)
    assert rules.can_propose_nomination(user_for(Role.COORDINATOR), stranger)
    assert not rules.can_propose_nomination(user_for(Role.REVIEWER), sub)


def test_roster_follows_the_score_import_and_reading_it_writes_nothing(tmp_path, client):
    a, b = AgencyFactory(), AgencyFactory()
    for agency in (a, b):
        roster_people(agency)
    cycle = make_cycle(year=105, agencies=Agency.objects.filter(pk__in=[a.pk, b.pk]))
    assert not RewardEntry.objects.filter(cycle=cycle, rule="HSC-11").exists()
    reviewer = user_for(Role.REVIEWER)
    path = score_csv(tmp_path, cycle, [(a, reviewer, "0.9"), (b, reviewer, "0.6")])
    call_command("import_scores", "--cycle", "105", "--add-reviewers", path)
    # The import (a write that changes the results) recomputed the roster preview.
    assert RewardEntry.objects.filter(cycle=cycle, rule="HSC-11", agency=a).count() == 3
    office = user_for(Role.COORDINATOR)
    client.force_login(office)
    events, entries = AuditEvent.objects.count(), RewardEntry.objects.count()
    for url in (
        f"/rewards/?cycle={cycle.year}",
        f"/rewards/{cycle.year}/roster.xlsx",
        f"/api/v1/cycles/{cycle.year}/rewards",
    ):
        assert client.get(url).status_code == 200, url
    assert (AuditEvent.objects.count(), RewardEntry.objects.count()) == (events, entries)
