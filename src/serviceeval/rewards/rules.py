"""Who sees and proposes national-award nominations (CITY-10) and the roster,
as django-rules predicates composed from `accounts.rules`."""

from __future__ import annotations

import rules

from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.agencies.enums import AgencyKind

# Nominations: the office all; agency staff their agency's and its subordinates'.
sees_every_nomination = is_office
sees_own_nominations = is_agency_staff


@rules.predicate
def is_first_level_staff(user) -> bool:
    """Staff of a first-level agency: they propose their subordinates (CITY-10)."""
    return is_agency_staff(user) and user.agency.kind == AgencyKind.FIRST_LEVEL


@rules.predicate
def is_own_subordinate(user, agency) -> bool:
    return is_agency_staff(user) and agency.parent_id == user.agency_id


# CITY-10: a first-level agency proposes its own subordinates; the office preselects
# district offices and may add any agency.
can_propose_nomination = is_office | (is_first_level_staff & is_own_subordinate)
# The roster and its rules belong to the office.
can_manage_roster = is_office

rules.add_perm("rewards.propose_nomination", can_propose_nomination)
rules.add_perm("rewards.manage_roster", can_manage_roster)
