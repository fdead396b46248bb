"""`make run` demo data: complete and idempotent (issue 2 item 1)."""

import io
import re

import pytest
from django.core.management import call_command
from django.utils import translation

from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency, Person
from serviceeval.cycles.models import Cycle, Participant


def counts():
    return (
        Agency.objects.count(),
        Person.objects.count(),
        User.objects.count(),
        Cycle.objects.count(),
        Participant.objects.count(),
    )


@pytest.mark.django_db
def test_demo_has_the_16_hsc1_agencies_in_3_groups():
    """HSC-1: 5 + 6 + 5 first-line agencies in three groups, on a 105 cycle of hsinchu-105."""
    call_command("demo_data", stdout=io.StringIO())
    cycle = Cycle.objects.get(year=105)
    assert cycle.program.code == "hsinchu-105"
    by_group = {}
    for p in cycle.participants.select_related("agency", "group"):
        by_group.setdefault(p.group.code, []).append(p.agency.name)
    assert {k: len(v) for k, v in by_group.items()} == {"1": 5, "2": 6, "3": 5}
    assert sorted(by_group["1"]) == sorted(["衛生局", "稅務局", "環保局", "消防局", "文化局"])


@pytest.mark.django_db
def test_demo_has_a_city_cycle_with_hierarchy_and_both_categories():
    call_command("demo_data", stdout=io.StringIO())
    cycle = Cycle.objects.get(program__code="city-service-upgrade")
    kinds = set(cycle.participants.values_list("agency__kind", "category"))
    assert ("subordinate", "project") in kinds
    assert ("district-office", "overall") in kinds
    assert ("first-level", "overall") in kinds


@pytest.mark.django_db
def test_demo_data_twice_does_not_duplicate(capsys):
    call_command("demo_data")
    first = counts()
    out = capsys.readouterr().out
    call_command("demo_data")
    assert counts() == first
    assert "示範帳號（密碼：Demo-2026-serviceeval）" in out.splitlines()
    lines = [line for line in out.splitlines() if line.startswith("  ")]
    # The role in words, not its code (issue 15 item 2).
    assert any(line.split()[:2] == ["office", "研考單位"] for line in lines)
    assert any(line.split()[:2] == ["tester", "實地測試員"] for line in lines)
    # One column each, whatever the longest username.
    assert len({re.match(r"  \S+\s+", line).end() for line in lines}) == 1
    assert set(User.objects.values_list("role", flat=True)) == {
        "coordinator",
        "agency_officer",
        "agency_head",
        "reviewer",
        "tester",
    }
    with translation.override("en"):
        call_command("demo_data")
    out = capsys.readouterr().out.splitlines()
    assert "Demo accounts (password: Demo-2026-serviceeval)" in out
    assert any(line.split()[:3] == ["office", "Program", "office"] for line in out)
