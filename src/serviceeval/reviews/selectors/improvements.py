"""The improvement-items list (HSC-12; issue 12 item 4): search, filters, sort."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from serviceeval.cycles.models import Participant

from ..models import Improvement


def improvement_list(user, listing) -> QuerySet[Improvement]:
    """The user's items searched by agency code or name or criterion code, filtered by
    status and by the agency's group in the item's cycle, in the listing's order."""
    from . import improvements_visible_to

    qs = improvements_visible_to(user)
    if listing.get("status"):
        qs = qs.filter(status=listing.get("status"))
    if listing.get("group"):
        qs = qs.filter(
            Exists(
                Participant.objects.filter(
                    cycle_id=OuterRef("cycle_id"),
                    agency_id=OuterRef("agency_id"),
                    group__code=listing.get("group"),
                )
            )
        )
    qs = listing.searched(qs, "agency__code", "agency__name", "criterion")
    return listing.ordered(qs)


def improvement_letters(user) -> list[dict]:
    """HSC-12: each agency and cycle that has items, for its letter (函), whatever
    the list's filters: {"year", "agency_id", "agency_name"}, newest cycle first, then
    by agency name. One query."""
    from . import improvements_visible_to

    pairs = (
        improvements_visible_to(user)
        .values("cycle__year", "agency_id", "agency__name")
        .distinct()
        .order_by("-cycle__year", "agency__name", "agency_id")
    )
    return [
        {"year": p["cycle__year"], "agency_id": p["agency_id"], "agency_name": p["agency__name"]}
        for p in pairs
    ]
