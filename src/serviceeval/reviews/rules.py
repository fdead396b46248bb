"""Who may do what in the review (HSC-3, HSC-10, F7): django-rules predicates of
the user and a *target*, composed from `accounts.rules`.

A target is anything with `cycle_id` and `agency_id` (a submission, a sheet, a
`ReviewTarget`), and for scoring a `round`; `is_panel_leader` also takes a cycle or
its primary key. The predicates query the review tables themselves, so views,
services, the API and the selectors' querysets ask the same question.
"""

from __future__ import annotations

from typing import NamedTuple

import rules

from serviceeval.accounts.enums import Role
from serviceeval.accounts.rules import (
    has_role,
    is_agency_of,
    is_agency_staff,
    is_office,
    is_reviewer,
)
from serviceeval.agencies.selectors import agencies_visible_to

from .models import Assignment, Conflict, PanelMember, PanelRole

LEADERS = (PanelRole.CONVENER, PanelRole.DEPUTY_CONVENER)


class ReviewTarget(NamedTuple):
    cycle_id: int
    agency_id: int
    round: str | None = None


def cycle_id_of(obj) -> int | None:
    """A cycle, its primary key, or anything with `cycle_id`."""
    if obj is None or isinstance(obj, int):
        return obj
    if hasattr(obj, "cycle_id"):
        return obj.cycle_id
    return getattr(obj, "pk", None)


def panel_role_of(user, cycle) -> str | None:
    """The user's role on the cycle's panel (convener, deputy, member), or None."""
    if not is_reviewer(user):
        return None
    return (
        PanelMember.objects.filter(cycle_id=cycle_id_of(cycle), user=user)
        .values_list("role", flat=True)
        .first()
    )


@rules.predicate
def is_panel_leader(user, cycle) -> bool:
    """The convener or deputy convener of the cycle's panel (HSC-3)."""
    return panel_role_of(user, cycle) in LEADERS


@rules.predicate
def is_conflicted(user, target) -> bool:
    """An unwaived conflict of interest with the target's agency in its cycle."""
    return Conflict.objects.filter(
        cycle_id=target.cycle_id,
        reviewer_id=user.pk,
        agency_id=target.agency_id,
        waived_at__isnull=True,
    ).exists()


@rules.predicate
def is_assigned(user, target) -> bool:
    """Assigned to the target's agency in its cycle: in the target's round when it
    names one, in any round otherwise."""
    qs = Assignment.objects.filter(
        cycle_id=target.cycle_id, reviewer_id=user.pk, agency_id=target.agency_id
    )
    round_ = getattr(target, "round", None)
    if round_:
        qs = qs.filter(round=round_)
    return qs.exists()


is_assigned_without_conflict = is_reviewer & ~is_conflicted & is_assigned


# Read an agency's plan, report, sheets and visits in a cycle: a reviewer assigned
# to it, or the panel's convener / deputy, and never with an unwaived conflict.
can_review_agency = is_reviewer & ~is_conflicted & (is_panel_leader | is_assigned)
# The agency's review page (sheets, visits): the office too.
can_open_agency_review = is_office | can_review_agency
# Fill in a score sheet: assigned for that round, no unwaived conflict (HSC-3).
can_score_agency = is_assigned_without_conflict
# Reopen a submitted sheet: the panel's convener or deputy.
can_reopen_sheet = is_reviewer & is_panel_leader
# Every agency's results at any time: the office and the panel's leaders.
can_see_all_results = is_office | (is_reviewer & is_panel_leader)


@rules.predicate
def is_published(user, cycle) -> bool:
    return getattr(cycle, "results_published_at", None) is not None


@rules.predicate
def takes_part(user, cycle) -> bool:
    """The user's agency (or, CITY-6, one of its subordinates) is in the cycle."""
    return cycle.participants.filter(agency__in=agencies_visible_to(user)).exists()


# Agency staff: their own agencies' results, once published.
can_see_own_results = is_agency_staff & takes_part & is_published
can_see_results = can_see_all_results | can_see_own_results

# F7: only the item's own agency answers an improvement item; a first-level parent
# sees its subordinates' items (CITY-6) but does not answer for them.
can_answer_improvement = is_agency_of
# Opening items and deciding on answers belong to the office.
can_manage_improvements = is_office


def may_join_panel(user) -> bool:
    """Only reviewer accounts join a panel (whether or not signed in)."""
    return has_role(user, Role.REVIEWER)


rules.add_rule("reviews.can_review_agency", can_review_agency)
rules.add_perm("reviews.open_agency_review", can_open_agency_review)
rules.add_perm("reviews.score_agency", can_score_agency)
rules.add_perm("reviews.reopen_sheet", can_reopen_sheet)
rules.add_perm("reviews.see_results", can_see_results)
rules.add_perm("reviews.answer_improvement", can_answer_improvement)
rules.add_perm("reviews.manage_improvements", can_manage_improvements)
