"""The assignment list of the office's panel page (issue 12 item 4): search by agency
code/name or reviewer, filter by round and group, sort by agency, reviewer, round or
the reviewer's number of assignments, in the database."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from serviceeval.agencies.models import Group
from serviceeval.core.listing import ListSpec

from ..models import Assignment, Round

PANEL_ASSIGNMENT_LIST = ListSpec(
    filters=("round", "group"),
    sorts={
        "agency": ("agency__code", "round", "reviewer__username"),
        "reviewer": ("reviewer__username", "round", "agency__code"),
        "round": ("round", "agency__code", "reviewer__username"),
        "count": ("load", "reviewer__username", "round", "agency__code"),
    },
    default_sort="round",
)


def panel_assignments(cycle, listing) -> QuerySet[Assignment]:
    """The cycle's assignments `listing` asks for, each with `load`: how many
    assignments its reviewer has in the cycle (a subquery: one query per page)."""
    load = (
        Assignment.objects.filter(cycle=OuterRef("cycle"), reviewer=OuterRef("reviewer"))
        .order_by()
        .values("reviewer")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = (
        Assignment.objects.filter(cycle=cycle)
        .select_related("reviewer", "agency")
        .annotate(load=Coalesce(Subquery(load, output_field=IntegerField()), 0))
    )
    qs = listing.searched(
        qs,
        "agency__code",
        "agency__name",
        "reviewer__username",
        "reviewer__first_name",
        "reviewer__last_name",
    )
    round_ = listing.get("round")
    if round_:
        qs = qs.filter(round=round_) if round_ in Round.values else qs.none()
    group = listing.get("group")
    if group:
        qs = qs.filter(
            agency__participations__cycle=cycle, agency__participations__group__code=group
        )
    return listing.ordered(qs)


def panel_groups(cycle) -> list[Group]:
    """The groups of the cycle's participants, for the group filter (one query)."""
    return list(Group.objects.filter(participant__cycle=cycle).distinct().order_by("code"))
