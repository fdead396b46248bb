"""Each reviewer's progress in a cycle, for the office (issue 13 item 3)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.utils import timezone

from serviceeval.cycles.models import Cycle, Milestone

from ..conflicts import conflicted_pairs
from ..models import Assignment, PanelMember, Sheet, SheetStatus

SCORING_MILESTONE = "scoring_due"


@dataclass(frozen=True)
class ReviewerProgress:
    member: PanelMember
    assigned: int  # assignments without an unwaived conflict
    drafted: int  # a sheet started, not submitted
    submitted: int
    overdue: int  # not submitted after the scoring deadline

    @property
    def not_started(self) -> int:
        return self.assigned - self.drafted - self.submitted

    @property
    def done(self) -> bool:
        return self.assigned > 0 and self.submitted == self.assigned


def scoring_deadline(cycle: Cycle):
    """The effective scoring deadline (`scoring_due`), or None when the program
    has none."""
    return (
        Milestone.objects.filter(cycle=cycle, code=SCORING_MILESTONE)
        .values_list("at", flat=True)
        .first()
    )


def reviewer_progress(cycle: Cycle, *, now=None) -> tuple[list[ReviewerProgress], object]:
    """One row per panel member, in username order, and the scoring deadline.
    Four queries whatever the size of the panel."""
    now = now or timezone.now()
    deadline = scoring_deadline(cycle)
    blocked = conflicted_pairs(cycle)
    states = {
        (r, a, rnd): status
        for r, a, rnd, status in Sheet.objects.filter(cycle=cycle).values_list(
            "reviewer_id", "agency_id", "round", "status"
        )
    }
    assigned, drafted, submitted = Counter(), Counter(), Counter()
    for r, a, rnd in Assignment.objects.filter(cycle=cycle).values_list(
        "reviewer_id", "agency_id", "round"
    ):
        if (r, a) in blocked:
            continue
        assigned[r] += 1
        status = states.get((r, a, rnd))
        if status == SheetStatus.SUBMITTED:
            submitted[r] += 1
        elif status is not None:
            drafted[r] += 1
    late = deadline is not None and now > deadline
    rows = [
        ReviewerProgress(
            member=m,
            assigned=assigned[m.user_id],
            drafted=drafted[m.user_id],
            submitted=submitted[m.user_id],
            overdue=(assigned[m.user_id] - submitted[m.user_id]) if late else 0,
        )
        for m in PanelMember.objects.filter(cycle=cycle)
        .select_related("user")
        .order_by("user__username")
    ]
    return rows, deadline
