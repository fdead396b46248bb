"""Reads of the reviews app. Other apps rely on `reviewer_can_see` and
`results_for_cycle` (keep their signatures)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from serviceeval.accounts.models import User
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.core.memo import memo, revision
from serviceeval.cycles.models import Cycle, Participant

from .. import rules
from ..models import (
    Assignment,
    Conflict,
    Exclusion,
    Improvement,
    ImprovementStatus,
    Result,
    Sheet,
    SiteVisit,
)
from ..presentation import grade_names, points
from .assignment_list import PANEL_ASSIGNMENT_LIST as PANEL_ASSIGNMENT_LIST
from .assignment_list import panel_assignments as panel_assignments
from .assignment_list import panel_groups as panel_groups
from .calibration import CALIBRATION_LIST as CALIBRATION_LIST
from .calibration import calibration_of as calibration_of
from .calibration import calibration_reviewers as calibration_reviewers
from .calibration import first_round_sheets as first_round_sheets
from .calibration import flagged_criteria as flagged_criteria

LEADERS = rules.LEADERS


def panel_role(user, cycle_id: int) -> str | None:
    return rules.panel_role_of(user, cycle_id)


def is_panel_leader(user, cycle_id: int) -> bool:
    return bool(rules.is_panel_leader(user, cycle_id))


def reviewer_can_see(user, *, cycle_id: int, agency_id: int) -> bool:
    """True when `user` is a reviewer assigned to this agency in this cycle (any
    round), or the convener / deputy convener of the cycle's panel, and has no
    unwaived conflict of interest with the agency (`rules.can_review_agency`)."""
    return bool(rules.can_review_agency(user, rules.ReviewTarget(cycle_id, agency_id)))


def results_for_cycle(cycle) -> list:
    """The cycle's results: objects with agency_id, status ('complete' /
    'incomplete'), total (Decimal|None), grade, final_grade, rank (int|None),
    plus group, re_total, re_status. The frozen snapshot once published.
    Computed once per data revision (`core.memo`): do not change what you get."""
    from ..services import results_table

    key = ("results", cycle.pk, cycle.created, cycle.results_published_at)
    return memo(key, revision(), lambda: results_table(cycle))


def previous_result(*, cycle, agency, category: str) -> Result | None:
    """ "Last year beside this year" (issue 4): the agency's most recent published
    result in an earlier cycle of the same program (any version) and the same
    category, so the rubric codes line up. An evaluation under another city's
    program, or under the other CITY rubric after a category move (CITY-1), is
    not comparable and is not shown. Under group rotation (HSC-4) that may be
    more than one year back; the report names the year."""
    return (
        Result.objects.filter(
            agency=agency,
            category=category,
            cycle__year__lt=cycle.year,
            cycle__program__code=cycle.program.code,
        )
        .select_related("cycle")
        .order_by("-cycle__year")
        .first()
    )


def assignments_for(user) -> QuerySet[Assignment]:
    """A reviewer's own assignments without an unwaived conflict."""
    qs = Assignment.objects.filter(reviewer=user).select_related("cycle", "agency")
    blocked = Conflict.objects.filter(reviewer=user, waived_at__isnull=True)
    pairs = set(blocked.values_list("cycle_id", "agency_id"))
    if pairs:
        ids = [a.pk for a in qs if (a.cycle_id, a.agency_id) not in pairs]
        qs = qs.filter(pk__in=ids)
    return qs.order_by("-cycle__year", "round", "agency__code")


def sheets_of(user) -> dict[tuple[int, int, str], Sheet]:
    return {
        (s.cycle_id, s.agency_id, s.round): s
        for s in Sheet.objects.filter(reviewer=user).only(
            "pk", "cycle_id", "agency_id", "round", "status", "updated"
        )
    }


def cycles_for_reviews(user) -> QuerySet[Cycle]:
    """Cycles whose results pages the user may open: the office all; a reviewer the
    cycles where they convene or deputise."""
    qs = Cycle.objects.select_related("program")
    if rules.is_office(user):
        return qs
    if rules.is_reviewer(user):
        return qs.filter(panel__user=user, panel__role__in=LEADERS)
    return qs.none()


def improvements_visible_to(user) -> QuerySet[Improvement]:
    qs = Improvement.objects.select_related("agency", "cycle")
    if rules.is_office(user):
        return qs
    if rules.is_agency_staff(user):
        return qs.filter(agency__in=agencies_visible_to(user))
    return qs.none()


def improvement_letter_items(user, *, year: int, agency_id: int) -> list[Improvement]:
    """HSC-12: the items of one agency in one cycle, for its letter (函); 404 when
    the user sees none (another agency's, an unknown one, or none sent)."""
    items = list(
        improvements_visible_to(user)
        .filter(cycle__year=year, agency_id=agency_id)
        .select_related("cycle__program")
        .order_by("deadline", "id")
    )
    if not items:
        raise Http404
    return items


def overdue_improvements(qs: QuerySet[Improvement]) -> QuerySet[Improvement]:
    today = timezone.localdate()
    return qs.filter(
        status__in=[ImprovementStatus.OPEN, ImprovementStatus.RETURNED], deadline__lt=today
    )


def participant_or_404(cycle, agency_id: int):
    return get_object_or_404(
        Participant.objects.select_related("agency", "group"), cycle=cycle, agency_id=agency_id
    )


def sheet_or_404(pk: int) -> Sheet:
    return get_object_or_404(Sheet.objects.select_related("cycle", "agency"), pk=pk)


def agency_review_lists(cycle, agency_id: int):
    """One agency's review page: its sheets, its assignments, its on-site visits."""
    sheets = list(
        Sheet.objects.filter(cycle=cycle, agency_id=agency_id)
        .select_related("reviewer")
        .order_by("round", "reviewer__username")
    )
    assigned = Assignment.objects.filter(cycle=cycle, agency_id=agency_id).select_related(
        "reviewer"
    )
    visits = SiteVisit.objects.filter(cycle=cycle, agency_id=agency_id).prefetch_related("members")
    return sheets, assigned, visits


def latest_panel_cycle(user) -> Cycle | None:
    """The newest cycle whose panel the user sits on."""
    return Cycle.objects.filter(panel__user=user).order_by("-year").first()


def conflicts_of(user) -> QuerySet[Conflict]:
    return Conflict.objects.filter(reviewer=user).select_related("agency", "cycle")


def assignment_count(cycle, *, reviewer=None, agency=None, round=None) -> int:
    """How many assignments of the cycle match (a confirmation says what goes)."""
    qs = Assignment.objects.filter(cycle=cycle)
    if reviewer is not None:
        qs = qs.filter(reviewer=reviewer)
    if agency is not None:
        qs = qs.filter(agency=agency)
    if round is not None:
        qs = qs.filter(round=round)
    return qs.count()


def published_result_count(cycle) -> int:
    """How many agencies' results the publication froze."""
    return Result.objects.filter(cycle=cycle).count()


def exclusions_of(cycle) -> QuerySet[Exclusion]:
    return Exclusion.objects.filter(cycle=cycle).select_related("agency", "reviewer")


def published_results_visible_to(user) -> QuerySet[Result]:
    """Published results of the agencies the user sees (CITY-6)."""
    return (
        Result.objects.filter(agency__in=agencies_visible_to(user))
        .select_related("cycle", "agency")
        .order_by("-cycle__year", "agency__code")
    )


def panel_users(cycle) -> QuerySet:
    """The accounts on the cycle's panel, for choices."""
    return User.objects.filter(panel_seats__cycle=cycle).order_by("username")


def published_cycles() -> QuerySet[Cycle]:
    """Cycles whose results are published (the public results pages)."""
    return (
        Cycle.objects.filter(results_published_at__isnull=False)
        .select_related("program")
        .order_by("-year")
    )


def public_results(cycle) -> list[dict]:
    """The published results as the public sees them (issue 12): agency, group,
    category, grade and final grade in words, rank within group and category. No
    total, no reviewer, no person: the frozen snapshot only, [] before publication."""
    if cycle.results_published_at is None:
        return []
    return public_result_rows(cycle, public_results_query(cycle))


def public_results_query(cycle, q: str = ""):
    """The published results in the public order, those whose agency code or name
    holds `q` (the public page pages and searches it; issue 12 items 1 and 4)."""
    rows = Result.objects.filter(cycle=cycle).select_related("agency")
    if cycle.results_published_at is None:
        return rows.none()
    if q:
        rows = rows.filter(Q(agency__code__icontains=q) | Q(agency__name__icontains=q))
    return rows.order_by("group", "category", "rank", "agency__code")


def public_result_rows(cycle, rows) -> list[dict]:
    """Results (one page of them, or all) as the public reads them."""
    spec = cycle.program.spec
    grades = grade_names(spec)
    categories = {c.code: c.name for c in spec.categories}
    group_names = dict(
        Participant.objects.filter(cycle=cycle).values_list("group__code", "group__name")
    )
    return [
        {
            "code": r.agency.code,
            "agency": r.agency.name,
            "group": group_names.get(r.group or None) or "",
            "category": categories.get(r.category, r.category),
            "grade": grades.get(r.grade, r.grade),
            "final_grade": grades.get(r.final_grade, r.final_grade),
            "re_evaluated": bool(r.re_status),
            "rank": r.rank,
        }
        for r in rows
    ]


def results_due(cycle):
    """When the results are expected: the `results_due` milestone, else the end of
    the evaluation window (`window_end`), else None."""
    by_code = {m.code: m.at for m in cycle.milestones.all()}
    return by_code.get("results_due") or by_code.get("window_end")


def agency_published_results(user, limit: int = 10) -> list[dict]:
    """The agency's own published results, and (CITY-6) its subordinates', newest
    cycle first (issue 12): grade and final grade in words, rank within group and
    category, and each dimension's total against its maximum (from the snapshot)."""
    rows = (
        Result.objects.filter(
            agency__in=agencies_visible_to(user), cycle__results_published_at__isnull=False
        )
        .select_related("agency", "cycle", "cycle__program")
        .order_by("-cycle__year", "agency__code")[:limit]
    )
    out = []
    for r in rows:
        spec = r.cycle.program.spec
        grades = grade_names(spec)
        nodes = (r.detail or {}).get("nodes", {})
        dimensions = [
            {
                "code": n.code,
                "name": n.name,
                "total": points(nodes[n.code]) if n.code in nodes else None,
                "max": n.max_points,
            }
            for n in spec.category(r.category).rubric
        ]
        out.append(
            {
                "result": r,
                "cycle": r.cycle,
                "agency": r.agency,
                "grade": grades.get(r.grade, r.grade),
                "final_grade": grades.get(r.final_grade, r.final_grade),
                "rank": r.rank,
                "dimensions": dimensions,
            }
        )
    return out
