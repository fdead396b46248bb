"""The one reading of unwaived conflicts of interest, shared by the services and the
selectors (results, calibration, feedback, exports: issue 13)."""

from __future__ import annotations

from .models import Conflict


def conflicted_pairs(cycle) -> set[tuple[int, int]]:
    """(reviewer_id, agency_id) with an unwaived conflict of interest."""
    return set(
        Conflict.objects.filter(cycle=cycle, waived_at__isnull=True).values_list(
            "reviewer_id", "agency_id"
        )
    )
