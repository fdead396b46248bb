"""Reads of the rewards app."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.core.listing import ListSpec
from serviceeval.reviews.models import SiteVisit
from serviceeval.reviews.selectors import results_for_cycle

from . import rules
from .models import (
    AwardStatus,
    Nomination,
    NominationSource,
    PublicCommendation,
    RewardEntry,
    RewardKind,
)


def nominations_visible_to(user) -> QuerySet[Nomination]:
    """Office: all. Agency staff: their agency's and (CITY-6/10) their subordinates'."""
    qs = Nomination.objects.select_related("agency", "agency__parent", "cycle", "cycle__program")
    if rules.sees_every_nomination(user):
        return qs
    if rules.sees_own_nominations(user):
        return qs.filter(agency__in=agencies_visible_to(user))
    return qs.none()


def proposable_agencies(user, cycle):
    """Agencies the user may propose: a first-level agency's subordinates (CITY-10);
    the office: district offices first, then any agency."""
    taken = Nomination.objects.filter(cycle=cycle).values("agency_id")
    qs = Agency.objects.filter(active=True, participations__cycle=cycle).exclude(pk__in=taken)
    if rules.sees_every_nomination(user):
        return qs.order_by("kind", "code")
    if rules.is_first_level_staff(user):
        return qs.filter(parent_id=user.agency_id).order_by("code")
    return qs.none()


@dataclass(frozen=True)
class PanelReview:
    """What the city's panel made of a nominee (CITY-10): its written review in the
    cycle's results (reviews app) and its on-site visits."""

    participates: bool
    status: str  # "complete" / "incomplete" / "" when not a participant
    total: Decimal | None
    grade: str | None
    rank: int | None
    visits: tuple  # dates of on-site visits, newest first

    @property
    def decided(self) -> bool:
        return self.status == "complete" and bool(self.visits)


def panel_reviews(cycle, agency_ids) -> dict[int, PanelReview]:
    """Per nominee: the panel's written review and on-site visits. Two queries at most
    (the results are memoised per data revision), whatever the number of nominees."""
    ids = set(agency_ids)
    if not ids:
        return {}
    results = {r.agency_id: r for r in results_for_cycle(cycle) if r.agency_id in ids}
    visits: dict[int, list] = {}
    for agency_id, on in SiteVisit.objects.filter(cycle=cycle, agency_id__in=ids).values_list(
        "agency_id", "date"
    ):
        visits.setdefault(agency_id, []).append(on)
    out = {}
    for agency_id in ids:
        r = results.get(agency_id)
        out[agency_id] = PanelReview(
            participates=r is not None,
            status=r.status if r else "",
            total=r.total if r else None,
            grade=r.grade if r else None,
            rank=r.rank if r else None,
            visits=tuple(sorted(visits.get(agency_id, ()), reverse=True)),
        )
    return out


def public_commendations(cycle) -> QuerySet[PublicCommendation]:
    """市政會議公開表揚 (CITY-12, CITY-13) of the cycle."""
    return PublicCommendation.objects.filter(cycle=cycle).select_related("agency")


def entry_or_404(pk: int) -> RewardEntry:
    return get_object_or_404(RewardEntry.objects.select_related("cycle"), pk=pk)


@dataclass(frozen=True)
class PreselectionStatus:
    """CITY-10: where one first-level agency stands in preselecting its subordinate
    agencies (the limits themselves are `engine.program.Preselection`)."""

    agency: Agency
    proposed: int
    minimum: int
    maximum: int
    due: object  # the effective `preselection_due` moment, or None
    short: bool  # fewer than the minimum
    overdue: bool  # short once the preselection deadline has passed (flagged)


def preselections(cycle, first_level_ids=None) -> list[PreselectionStatus]:
    """Every first-level agency taking part in the cycle that has active subordinate
    agencies: how many of them it proposed against the program's min and max. Two
    queries beside the cycle's milestones; none for a program without a
    `preselection_due` milestone."""
    spec = cycle.program.spec.preselection
    due = next((m.at for m in cycle.milestones.all() if m.code == "preselection_due"), None)
    if due is None:
        return []  # the program has no preselection by first-level agencies (HSC)
    qs = Agency.objects.filter(
        kind=AgencyKind.FIRST_LEVEL, participations__cycle=cycle, children__active=True
    )
    if first_level_ids is not None:
        qs = qs.filter(pk__in=list(first_level_ids))
    proposed = dict(
        Nomination.objects.filter(cycle=cycle, agency__parent__in=qs.values("pk"))
        .values("agency__parent_id")
        .annotate(n=Count("id"))
        .values_list("agency__parent_id", "n")
    )
    passed = timezone.now() > due
    out = []
    for agency in qs.distinct().order_by("code"):
        n = proposed.get(agency.pk, 0)
        short = n < spec.min
        out.append(PreselectionStatus(agency, n, spec.min, spec.max, due, short, short and passed))
    return out


def rewards_of_agencies(pairs) -> dict[tuple[int, int], list[RewardEntry]]:
    """(cycle_id, agency_id) → the roster entries of that agency's people in that
    cycle (one query), for the agency's own results panel."""
    pairs = set(pairs)
    if not pairs:
        return {}
    out: dict[tuple[int, int], list[RewardEntry]] = {p: [] for p in pairs}
    entries = RewardEntry.objects.filter(
        cycle_id__in={c for c, _ in pairs}, agency_id__in={a for _, a in pairs}
    ).order_by("position", "id")
    for e in entries:
        if (e.cycle_id, e.agency_id) in out:
            out[(e.cycle_id, e.agency_id)].append(e)
    return out


# --- long lists (issue 12 item 4) ----------------------------------------------------

ROSTER_SOURCES = ("computed", "office")

ROSTER_LIST = ListSpec(
    filters=("cycle", "kind", "rule", "source"),
    sorts={
        "agency": ("agency__code", "position", "id"),
        "name": ("person", "position", "id"),
        "kind": ("kind_rank", "position", "id"),
        "count": ("count", "position", "id"),
        "rule": ("rule", "position", "id"),
    },
    # No sort chosen: the roster's own order (computed lines by position, then the
    # office's entries), which the official documents keep.
    default_sort="",
)


def _rank(field: str, values) -> Case:
    """The place of `field`'s value in its choices (a kind or status sorts in the
    order people know, not alphabetically by its code)."""
    return Case(
        *(When(**{field: v}, then=Value(i)) for i, v in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def roster_filtered(qs: QuerySet[RewardEntry], listing) -> QuerySet[RewardEntry]:
    """The roster lines `listing` asks for: search by person or agency code/name,
    reward kind, rule and source (computed / the office's entry), in its order. The
    page and its downloads both read the roster through here."""
    if listing is None:
        return qs
    if listing.sort_key == "kind":
        qs = qs.annotate(kind_rank=_rank("kind", RewardKind.values))
    qs = listing.searched(qs, "person", "agency__code", "agency__name")
    kind = listing.get("kind")
    if kind:
        qs = qs.filter(kind=kind) if kind in RewardKind.values else qs.none()
    rule = listing.get("rule")
    if rule:
        qs = qs.filter(rule=rule)
    source = listing.get("source")
    if source in ROSTER_SOURCES:
        qs = qs.filter(manual=source == "office")
    return listing.ordered(qs)


def roster_rules(cycle) -> list[str]:
    """The rules the cycle's roster cites, for the rule filter (one query)."""
    return list(
        RewardEntry.objects.filter(cycle=cycle)
        .order_by("rule")
        .values_list("rule", flat=True)
        .distinct()
    )


AWARD_LIST = ListSpec(
    filters=("cycle", "status", "source"),
    sorts={
        "agency": ("agency__code", "id"),
        "status": ("status_rank", "agency__code", "id"),
        "source": ("source", "agency__code", "id"),
        # The subsidy is computed (CITY-15): sorted in the view's rows, see award_sorted.
        "subsidy": (),
    },
    default_sort="agency",
)


def nominations_listed(user, cycle, listing) -> QuerySet[Nomination]:
    """The nominations of `cycle` the user sees, searched by agency code/name and
    filtered by status and source (AwardStatus, NominationSource), in order."""
    qs = nominations_visible_to(user).filter(cycle=cycle)
    qs = listing.searched(qs, "agency__code", "agency__name")
    status = listing.get("status")
    if status:
        qs = qs.filter(status=status) if status in AwardStatus.values else qs.none()
    source = listing.get("source")
    if source:
        qs = qs.filter(source=source) if source in NominationSource.values else qs.none()
    if listing.sort_key == "subsidy":
        return qs.order_by("agency__code", "id")
    if listing.sort_key == "status":
        qs = qs.annotate(status_rank=_rank("status", AwardStatus.values))
    return listing.ordered(qs)


def award_sorted(rows, listing):
    """Rows of `services.subsidies` sorted by their computed subsidy when asked
    (stable: equal amounts keep the agency order)."""
    if listing.sort_key != "subsidy":
        return rows
    return sorted(rows, key=lambda r: r.amount, reverse=listing.descending)
