"""Demo data of field tests and rewards: CITY-12/13 entries, a pipeline, idempotent."""

import io

import pytest
from django.core.management import call_command

from serviceeval.cycles.models import Cycle
from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
from serviceeval.fieldtests.selectors import field_test_figures
from serviceeval.rewards.models import Nomination, PublicCommendation, RewardEntry

pytestmark = pytest.mark.django_db


def state():
    return (
        PhoneTest.objects.count(),
        MysteryVisit.objects.count(),
        RewardEntry.objects.count(),
        Nomination.objects.count(),
        PublicCommendation.objects.count(),
    )


def test_demo_field_tests_and_roster_idempotent():
    call_command("demo_data", stdout=io.StringIO())
    first = state()
    call_command("demo_data", stdout=io.StringIO())
    assert state() == first
    city = Cycle.objects.get(year=116)
    rules = set(RewardEntry.objects.filter(cycle=city).values_list("rule", flat=True))
    assert rules == {"CITY-12", "CITY-13"}
    top = set(
        RewardEntry.objects.filter(cycle=city, rule="CITY-12").values_list(
            "agency__code", flat=True
        )
    )
    assert top == {"CT-901", "CT-100", "CT-110", "CT-120"}  # tie at rank 3
    assert Nomination.objects.get(cycle=city, agency__code="CT-120").highest == "shortlisted"
    hsinchu = Cycle.objects.get(year=105)
    ids = list(hsinchu.participants.values_list("agency_id", flat=True))
    figures = field_test_figures(cycle=hsinchu, agency_ids=ids)
    assert all((f["phone_calls"], f["mystery_visits"]) == (2, 1) for f in figures.values())
