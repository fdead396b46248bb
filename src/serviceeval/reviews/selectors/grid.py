"""The office's assignment grid: agencies × reviewers of one cycle and round, a page
of agencies and a page of reviewers at a time (issue 12 item 5).

Six queries whatever the size of the cycle: the page of participants (with its count),
the panel, every reviewer's load in the round, the assignments and the conflicts of
the agencies on the page. 2,000 agencies × 150 reviewers nationally: GRID_AGENCIES
rows and GRID_REVIEWERS columns a page (SPEC §5 pages)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from serviceeval.core.memo import memo, revision
from serviceeval.cycles.models import Cycle, Participant

from ..conflicts import is_automatic_conflict
from ..models import Assignment, Conflict, ConflictSource, PanelMember, Round

GRID_AGENCIES = 50
GRID_REVIEWERS = 25

AUTOMATIC = ConflictSource.AUTOMATIC.label

# A cell's state.
ASSIGNED, CONFLICT, PROPOSED, OPEN, FULL = "assigned", "conflict", "proposed", "open", "full"


@dataclass(frozen=True)
class GridFilters:
    """What the grid shows, as the URL says (kept across every assign and unassign)."""

    round: str = Round.FIRST
    group: str = ""
    category: str = ""
    q: str = ""
    short: bool = False  # only agencies with fewer reviewers than `need`
    need: int = 3  # reviewers an agency needs (the automatic assignment's minimum)


@dataclass
class GridColumn:
    member: PanelMember
    load: int  # assignments in the round
    proposed: int = 0  # of the previewed automatic assignment

    @property
    def user_id(self) -> int:
        return self.member.user_id

    @property
    def cap(self) -> int | None:
        return self.member.max_assignments

    @property
    def full(self) -> bool:
        return self.cap is not None and self.load >= self.cap

    @property
    def load_after(self) -> int:
        return self.load + self.proposed


@dataclass
class GridCell:
    state: str
    assignment_id: int | None = None
    reason: str = ""


@dataclass
class GridRow:
    participant: Participant
    count: int  # reviewers assigned in the round (every reviewer, not only this page's)
    proposed: int = 0
    cells: list[tuple[GridColumn, GridCell]] = field(default_factory=list)

    @property
    def agency(self):
        return self.participant.agency

    @property
    def count_after(self) -> int:
        return self.count + self.proposed


@dataclass
class Grid:
    rows: list[GridRow]
    columns: list[GridColumn]
    page: Page  # of participants
    column_page: Page  # of panel members
    panel_size: int


def grid_participants(cycle: Cycle, filters: GridFilters, agency_ids=None):
    """The participants the filters select, in agency-code order."""
    qs = Participant.objects.filter(cycle=cycle).select_related("agency", "group")
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    if filters.group:
        qs = qs.filter(group__code=filters.group)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.q:
        qs = qs.filter(Q(agency__code__icontains=filters.q) | Q(agency__name__icontains=filters.q))
    if filters.short:
        assigned = (
            Assignment.objects.filter(
                cycle=cycle, round=filters.round, agency_id=OuterRef("agency_id")
            )
            .values("agency_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        qs = qs.annotate(
            assigned=Coalesce(Subquery(assigned, output_field=IntegerField()), Value(0))
        ).filter(assigned__lt=filters.need)
    return qs.order_by("agency__code")


def assignment_grid(
    cycle: Cycle,
    filters: GridFilters,
    *,
    page=None,
    column_page=None,
    agency_ids=None,
    proposal=None,
) -> Grid:
    """One page of the grid. `agency_ids`: the agencies the round is for (None: every
    participant); `proposal`: a previewed `AutoAssignProposal` of the same round, whose
    new assignments are marked PROPOSED."""
    rows_page = Paginator(grid_participants(cycle, filters, agency_ids), GRID_AGENCIES).get_page(
        page
    )
    participants = list(rows_page.object_list)
    page_ids = [p.agency_id for p in participants]
    members = list(
        PanelMember.objects.filter(cycle=cycle).select_related("user").order_by("user__username")
    )
    loads = dict(
        Assignment.objects.filter(cycle=cycle, round=filters.round)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    proposed_pairs = set(proposal.pairs) if proposal is not None else set()
    proposed_by_reviewer = Counter(r for _a, r in proposed_pairs)
    proposed_by_agency = Counter(a for a, _r in proposed_pairs)
    all_columns = [
        GridColumn(m, loads.get(m.user_id, 0), proposed_by_reviewer[m.user_id]) for m in members
    ]
    columns_page = Paginator(all_columns, GRID_REVIEWERS).get_page(column_page)
    columns = list(columns_page.object_list)
    assigned: dict[int, dict[int, int]] = defaultdict(dict)  # agency → reviewer → assignment
    for pk, agency_id, reviewer_id in Assignment.objects.filter(
        cycle=cycle, round=filters.round, agency_id__in=page_ids
    ).values_list("pk", "agency_id", "reviewer_id"):
        assigned[agency_id][reviewer_id] = pk
    stored: dict[tuple[int, int], str | None] = {}  # (reviewer, agency) → reason; None: waived
    for reviewer_id, agency_id, source, reason, waived_at in Conflict.objects.filter(
        cycle=cycle, agency_id__in=page_ids
    ).values_list("reviewer_id", "agency_id", "source", "reason", "waived_at"):
        if source == ConflictSource.AUTOMATIC:
            reason = AUTOMATIC  # in the reader's language, not the stored text
        stored[(reviewer_id, agency_id)] = reason if waived_at is None else None
    rows = []
    for p in participants:
        agency = p.agency
        mine = assigned.get(agency.pk, {})
        row = GridRow(p, len(mine), proposed_by_agency[agency.pk])
        for col in columns:
            uid = col.user_id
            pair = (uid, agency.pk)
            if pair in stored:
                reason = stored[pair]
            elif is_automatic_conflict(col.member.user.agency_id, agency.pk, agency.parent_id):
                reason = AUTOMATIC  # recorded at the next assignment
            else:
                reason = None
            if reason is not None:
                cell = GridCell(CONFLICT, reason=reason)
            elif uid in mine:
                cell = GridCell(ASSIGNED, assignment_id=mine[uid])
            elif (agency.pk, uid) in proposed_pairs:
                cell = GridCell(PROPOSED)
            elif col.full:
                cell = GridCell(FULL)
            else:
                cell = GridCell(OPEN)
            row.cells.append((col, cell))
        rows.append(row)
    return Grid(rows, columns, rows_page, columns_page, len(members))


def auto_assign_preview(cycle: Cycle, *, per_agency: int, cap: int | None, round: str):
    """The automatic assignment that would be made now (`auto_assign_proposal`),
    computed once per data revision: paging through a preview does not compute it
    again. Raises ReviewError as the service does."""
    from ..services import auto_assign_proposal

    key = ("auto-assign-preview", cycle.pk, round, per_agency, cap)
    return memo(
        key,
        revision(),
        lambda: auto_assign_proposal(cycle=cycle, per_agency=per_agency, cap=cap, round=round),
    )
