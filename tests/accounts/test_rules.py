"""The shared predicates every app's rules.py is composed from (issue 10)."""

import re
from pathlib import Path

import pytest

from serviceeval.accounts import rules
from serviceeval.accounts.enums import Role
from tests.factories import AgencyFactory, user_for

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "serviceeval"


@pytest.mark.parametrize(
    "role, office, staff, reviewer, tester",
    [
        (Role.COORDINATOR, True, False, False, False),
        (Role.AGENCY_OFFICER, False, True, False, False),
        (Role.AGENCY_HEAD, False, True, False, False),
        (Role.REVIEWER, False, False, True, False),
        (Role.TESTER, False, False, False, True),
    ],
)
def test_role_predicates(role, office, staff, reviewer, tester):
    user = user_for(role)
    assert rules.is_office(user) is office
    assert rules.is_agency_staff(user) is staff
    assert rules.is_reviewer(user) is reviewer
    assert rules.is_tester(user) is tester
    assert rules.is_agency_head(user) is (role == Role.AGENCY_HEAD)


def test_an_inactive_account_holds_no_predicate_but_keeps_its_role():
    user = user_for(Role.COORDINATOR, is_active=False)
    assert not rules.is_office(user)
    assert rules.has_role(user, Role.COORDINATOR)


def test_is_agency_of_and_parent_city6():
    parent = AgencyFactory()
    child = AgencyFactory(parent=parent)
    own, above = user_for(Role.AGENCY_OFFICER, agency=child), user_for(Role.AGENCY_HEAD, parent)
    assert rules.is_agency_of(own, child) and not rules.is_agency_of(above, child)
    assert rules.is_parent_agency_of(above, child) and not rules.is_parent_agency_of(own, child)
    assert not rules.is_agency_of(user_for(Role.COORDINATOR), child)


def test_no_role_comparison_outside_rules_modules():
    """Issue 10: a role is compared only in an app's rules.py (and in no template)."""
    pattern = re.compile(r"\.role\s*(==|!=|\bin\b|\bnot in\b)")
    offenders = []
    for path in SRC.rglob("*"):
        if path.suffix not in (".py", ".html") or path.name == "rules.py":
            continue
        if "migrations" in path.parts:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(SRC)}:{n}: {line.strip()}")
    assert offenders == []
