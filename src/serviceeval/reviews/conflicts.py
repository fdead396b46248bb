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


# The stored reason of an automatic conflict: data, not a message made for the reader.
AUTOMATIC_REASON = "委員任職於受評機關或其上級機關 (reviewer belongs to the agency or its parent)"


def is_automatic_conflict(home_agency_id, agency_id, parent_id) -> bool:
    """HSC-3: a reviewer who belongs to the agency, or to its parent, is conflicted."""
    return home_agency_id is not None and home_agency_id in (agency_id, parent_id)
