"""Reads of the submissions app. Other apps rely on these signatures (issue 3 fills them).

Every guarded lookup goes through here: another agency's submission or
evidence answers 404 (Http404), never 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from serviceeval.accounts.rules import is_office
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.cycles.models import Cycle, Milestone, Participant

from . import rules
from .enums import (
    DEADLINE_MILESTONE,
    NOT_STARTED,
    PANEL_STATES,
    RETURN_ANSWERED_BY,
    EventKind,
    EvidenceKind,
    Kind,
    State,
)
from .models import Evidence, MetricValue, Reopen, Submission, SubmissionEvent

# --- the reviewers' view (contract with issue 4) --------------------------------


@dataclass
class EvidenceItem:
    name: str
    url: str
    kind: str
    link_status: str = ""


@dataclass
class EntryView:
    code: str
    narrative: str = ""
    self_score: Decimal | None = None
    not_applicable: bool = False
    na_reason: str = ""
    planned: bool = False
    evidence: list[EvidenceItem] = field(default_factory=list)
    little_room: bool = False  # CITY-3 再成長空間有限, with `na_reason`

    @property
    def reason(self) -> str:  # the name used in the contract's first draft
        return self.na_reason


@dataclass
class ReportView:
    submission_id: int
    state: str
    entries_by_code: dict[str, EntryView]
    sections: dict[str, str]
    metrics: dict[str, tuple[Decimal | None, Decimal | None]]


def evidence_url(evidence: Evidence) -> str:
    if evidence.kind == EvidenceKind.URL:
        return evidence.url
    return reverse("submissions:evidence", args=[evidence.pk])


def report_for_reviewer(*, cycle, agency):
    """The agency's performance report for the cycle as the panel sees it:
    an object with `.entries_by_code` {criterion code: entry with narrative,
    self_score, evidence list, not_applicable, reason} or None when there is none.

    Only a report the agency has submitted (or that was accepted) is shown;
    drafts stay with the agency."""
    submission = (
        Submission.objects.filter(
            cycle=cycle, agency=agency, kind=Kind.REPORT, state__in=PANEL_STATES
        )
        .prefetch_related("entries", "evidence", "metrics")
        .first()
    )
    if submission is None:
        return None
    entries = {
        e.criterion_code: EntryView(
            code=e.criterion_code,
            narrative=e.narrative,
            self_score=e.self_score,
            not_applicable=e.not_applicable,
            na_reason=e.na_reason,
            planned=e.planned,
            little_room=e.little_room,
        )
        for e in submission.entries.all()
    }
    for ev in submission.evidence.all():
        if not ev.criterion_code:
            continue
        entry = entries.setdefault(ev.criterion_code, EntryView(code=ev.criterion_code))
        entry.evidence.append(EvidenceItem(ev.name, evidence_url(ev), ev.kind, ev.link_status))
    return ReportView(
        submission_id=submission.pk,
        state=submission.state,
        entries_by_code=entries,
        sections=dict(submission.sections),
        metrics={m.code: (m.this_year, m.last_year) for m in submission.metrics.all()},
    )


# --- scope of one submission page -------------------------------------------------


@dataclass
class Scope:
    cycle: Cycle
    agency: object
    participant: Participant
    kind: str
    submission: Submission | None
    deadline: datetime | None
    reopen: Reopen | None
    deadline_note: str = ""  # why the milestone's deadline moved (SPEC §3.3)

    @property
    def category(self) -> str:
        return self.submission.category if self.submission else self.participant.category

    @property
    def locked(self) -> bool:
        return self.deadline is not None and timezone.now() > self.deadline

    @property
    def state(self) -> str:
        return self.submission.state if self.submission else NOT_STARTED


def submission_scope(user, *, year: int, kind: str, agency_id: int) -> Scope:
    """The cycle × agency × kind a page is about, or Http404 when the user may
    not see it (another agency), the agency does not take part, or the kind is
    not required (e.g. a plan in a program without `plan_due`)."""
    if kind not in Kind.values:
        raise Http404
    agency = agencies_visible_to(user).filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    cycle = Cycle.objects.select_related("program").filter(year=year).first()
    if cycle is None:
        raise Http404
    participant = (
        Participant.objects.filter(cycle=cycle, agency=agency).select_related("group").first()
    )
    if participant is None:
        raise Http404
    milestones = list(Milestone.objects.filter(cycle=cycle))
    cycle._prefetched_objects_cache = {"milestones": milestones}
    if kind not in rules.kinds_required(agency, {m.code for m in milestones}):
        raise Http404
    submission = (
        Submission.objects.filter(cycle=cycle, agency=agency, kind=kind)
        .select_related("updated_by")
        .first()
    )
    reopen = (
        Reopen.objects.filter(cycle=cycle, agency=agency, kind=kind).order_by("-at", "-id").first()
    )
    deadline = reopen.deadline if reopen else _milestone_at(milestones, kind)
    code = DEADLINE_MILESTONE[Kind(kind)]
    note = "" if reopen else next((m.moved_note for m in milestones if m.code == code), "")
    return Scope(cycle, agency, participant, kind, submission, deadline, reopen, note)


def _milestone_at(milestones, kind):
    code = DEADLINE_MILESTONE[Kind(kind)]
    return next((m.at for m in milestones if m.code == code), None)


def evidence_visible_to(user, pk: int) -> Evidence:
    """Evidence downloads: the office; the agency and its first-level parent
    (CITY-6); reviewers assigned to the agency without a conflict (issue 4), once
    the plan or report is submitted (PANEL_STATES): a draft's evidence, like the
    draft, stays with the agency (F11)."""
    evidence = (
        Evidence.objects.select_related("submission", "submission__agency").filter(pk=pk).first()
    )
    if evidence is None or not user.is_authenticated:
        raise Http404
    if not rules.can_view_submission(user, evidence.submission):
        raise Http404
    return evidence


# --- lists ------------------------------------------------------------------------


@dataclass
class Row:
    participant: Participant
    cells: dict[str, dict]  # kind -> {"required", "kind", "state", "deadline", "reopen", "overdue"}


def _participants(cycle, *, group="", category="", agency_ids=None):
    qs = (
        Participant.objects.filter(cycle=cycle)
        .select_related("agency", "group")
        .order_by("group__code", "agency__code")
    )
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    if group:
        qs = qs.filter(group__code=group)
    if category:
        qs = qs.filter(category=category)
    return qs


def _rows(cycle, participants, milestones) -> list[Row]:
    """Cells for these participants: 2 queries (submission states, reopens)."""
    codes = {m.code for m in milestones}
    ids = [p.agency_id for p in participants]
    # Plain tuples: 2,000 participants make 4,000 cells; model instances cost.
    states = {
        (agency_id, kind): state
        for agency_id, kind, state in Submission.objects.filter(
            cycle=cycle, agency_id__in=ids
        ).values_list("agency_id", "kind", "state")
    }
    reopens: dict = {}
    for r in Reopen.objects.filter(cycle=cycle, agency_id__in=ids).order_by("at", "id"):
        reopens[(r.agency_id, r.kind)] = r  # the latest wins
    now = timezone.now()
    rows = []
    for p in participants:
        required = rules.kinds_required(p.agency, codes)
        cells = {}
        for kind in (Kind.PLAN, Kind.REPORT):
            if kind not in required:
                cells[kind] = {"required": False}
                continue
            reopen = reopens.get((p.agency_id, kind))
            deadline = reopen.deadline if reopen else _milestone_at(milestones, kind)
            state = states.get((p.agency_id, kind), NOT_STARTED)
            done = state in (State.SUBMITTED, State.ACCEPTED)
            cells[kind] = {
                "required": True,
                "kind": kind,
                "state": state,
                "deadline": deadline,
                "reopen": reopen,
                "overdue": deadline is not None and now > deadline and not done,
            }
        rows.append(Row(p, cells))
    return rows


def status_rows(cycle, *, group: str = "", category: str = "", status: str = "", agency_ids=None):
    """Every participant × (plan, report) with its state and effective deadline,
    in a constant number of queries (participants, milestones, submissions, reopens).
    For an agency's own few rows; the office's page uses `status_page`."""
    participants = list(_participants(cycle, group=group, category=category, agency_ids=agency_ids))
    rows = _rows(cycle, participants, list(Milestone.objects.filter(cycle=cycle)))
    if status:
        rows = [r for r in rows if any(c.get("state") == status for c in r.cells.values())]
    return rows


def _plan_required_q(codes) -> Q:
    if "plan_due" not in codes:
        return Q(pk__in=[])
    return Q(agency__kind__in=rules.PLAN_KINDS)


@dataclass
class StatusPage:
    rows: list
    total: int
    counts: dict
    plan_required: bool


# Issue 12 item 4: the order of the states when the page is sorted by a state
# column (the workflow's order); a plan not required sorts after every state.
_STATE_ORDER = [
    NOT_STARTED,
    State.DRAFT,
    State.RETURNED,
    State.AWAITING_APPROVAL,
    State.APPROVED,
    State.SUBMITTED,
    State.ACCEPTED,
]


def _state_rank(subs, kind):
    state = Subquery(subs.filter(kind=kind).values("state")[:1])
    return Case(
        *(When(Q(**{f"{kind}_state": s}), then=Value(i)) for i, s in enumerate(_STATE_ORDER)),
        default=Value(0),  # no submission: not started
    ), state


def status_page(
    cycle, *, group="", category="", status="", offset=0, limit=100, listing=None
) -> StatusPage:
    """The office's status page: one page of rows, the total and the counts by
    state of the group/category (and search) selection, all in the database
    (constant queries, and constant work per request whatever the number of
    participants). `listing` (`submissions.views.STATUS_LIST`) adds the search by
    agency code or name and the order: agency code, name, group, category, or the
    plan's or the report's state."""
    milestones = list(Milestone.objects.filter(cycle=cycle))
    codes = {m.code for m in milestones}
    base = _participants(cycle, group=group, category=category)
    if listing is not None:
        base = listing.searched(base, "agency__code", "agency__name")
    plan_q = _plan_required_q(codes)
    subs = Submission.objects.filter(cycle=cycle, agency_id=OuterRef("agency_id"))
    has_report = Exists(subs.filter(kind=Kind.REPORT))
    has_plan = Exists(subs.filter(kind=Kind.PLAN))
    selected = base
    if status == NOT_STARTED:
        selected = base.filter(~has_report | (plan_q & ~has_plan))
    elif status:
        selected = base.filter(Exists(subs.filter(state=status)))
    if listing is not None and listing.sort_key in ("plan", "report"):
        kind = listing.sort_key
        rank, state = _state_rank(subs, kind)
        if kind == Kind.PLAN:
            # A plan not required sorts after every state (ascending).
            rank = Case(When(plan_q, then=rank), default=Value(len(_STATE_ORDER)))
        selected = selected.annotate(**{f"{kind}_state": state}).annotate(**{f"{kind}_rank": rank})
    if listing is not None:
        selected = listing.ordered(selected)
    total = selected.count()
    participants = list(selected[offset : offset + limit])
    sizes = base.aggregate(n=Count("id"), plans=Count("id", filter=plan_q))
    counts = dict.fromkeys([NOT_STARTED, *State.values], 0)
    for state, n in (
        Submission.objects.filter(cycle=cycle, agency_id__in=base.values("agency_id"))
        .values_list("state")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[state] = n
    counts[NOT_STARTED] = sizes["n"] + sizes["plans"] - sum(counts.values())
    return StatusPage(
        rows=_rows(cycle, participants, milestones),
        total=total,
        counts=counts,
        plan_required=sizes["plans"] > 0,
    )


# --- the approval path (CITY-2) --------------------------------------------------------

_RETURN_EVENT_KINDS = {
    *RETURN_ANSWERED_BY,
    *(k for answers in RETURN_ANSWERED_BY.values() for k in answers),
}


def open_returns(submission_ids) -> dict[int, list[SubmissionEvent]]:
    """The returns whose reason still stands, per submission, newest first: the
    office's until the agency submits again, the head's until the officer sends it
    for approval again (`RETURN_ANSWERED_BY`). One query."""
    open_: dict[int, list[SubmissionEvent]] = {}
    events = (
        SubmissionEvent.objects.filter(
            submission_id__in=list(submission_ids), kind__in=_RETURN_EVENT_KINDS
        )
        .select_related("actor")
        .order_by("at", "id")
    )
    for e in events:
        standing = open_.setdefault(e.submission_id, [])
        if e.kind in RETURN_ANSWERED_BY:
            standing[:] = [r for r in standing if r.kind != e.kind]
            standing.insert(0, e)
        else:
            standing[:] = [r for r in standing if e.kind not in RETURN_ANSWERED_BY[r.kind]]
    return {pk: returns for pk, returns in open_.items() if returns}


def open_returns_by_key(agency_id, cycle_ids) -> dict[tuple, list[SubmissionEvent]]:
    """`open_returns` of one agency's submissions in these cycles, keyed by
    (cycle id, kind), for the agency's dashboard. Two queries."""
    keys = {
        pk: (cycle_id, kind)
        for pk, cycle_id, kind in Submission.objects.filter(
            agency_id=agency_id, cycle_id__in=list(cycle_ids)
        ).values_list("pk", "cycle_id", "kind")
    }
    if not keys:
        return {}
    return {keys[pk]: returns for pk, returns in open_returns(keys).items()}


@dataclass
class AwaitingApproval:
    submission: Submission
    requested: SubmissionEvent | None  # the latest request (who, when)
    deadline: datetime | None
    returns: list  # the office's return still standing, if any


def awaiting_approval_for(user) -> list[AwaitingApproval]:
    """The head's "awaiting my approval" list: the own agency's submissions sent for
    approval (CITY-2; a first-level agency's head approves only its own, CITY-6),
    oldest deadline first. A constant number of queries (submissions, their
    events, milestones, reopens) whatever their number."""
    if not rules.can_approve(user, user.agency_id):
        return []
    subs = list(
        Submission.objects.filter(agency_id=user.agency_id, state=State.AWAITING_APPROVAL)
        .select_related("cycle", "agency")
        .order_by("cycle__year", "kind")
    )
    if not subs:
        return []
    ids = [s.pk for s in subs]
    requested: dict[int, SubmissionEvent] = {}
    for e in (
        SubmissionEvent.objects.filter(submission_id__in=ids, kind=EventKind.REQUEST_APPROVAL)
        .select_related("actor")
        .order_by("at", "id")
    ):
        requested[e.submission_id] = e
    returns = open_returns(ids)
    cycle_ids = {s.cycle_id for s in subs}
    milestones: dict[tuple, datetime] = {}
    for cycle_id, code, at in Milestone.objects.filter(
        cycle_id__in=cycle_ids, code__in=list(DEADLINE_MILESTONE.values())
    ).values_list("cycle_id", "code", "at"):
        milestones[(cycle_id, code)] = at
    reopens: dict[tuple, datetime] = {}
    for cycle_id, kind, deadline in (
        Reopen.objects.filter(cycle_id__in=cycle_ids, agency_id=user.agency_id)
        .order_by("at", "id")
        .values_list("cycle_id", "kind", "deadline")
    ):
        reopens[(cycle_id, kind)] = deadline  # the latest wins
    rows = []
    for s in subs:
        deadline = reopens.get((s.cycle_id, s.kind)) or milestones.get(
            (s.cycle_id, DEADLINE_MILESTONE[Kind(s.kind)])
        )
        office_returns = [r for r in returns.get(s.pk, []) if r.kind == EventKind.RETURN]
        rows.append(AwaitingApproval(s, requested.get(s.pk), deadline, office_returns))
    rows.sort(key=lambda r: (r.deadline is None, r.deadline or timezone.now()))
    return rows


def cycles_for_user(user):
    """Cycles with a participant the user can see (all for the office)."""
    qs = Cycle.objects.select_related("program").order_by("-year")
    if is_office(user):
        return qs
    ids = list(agencies_visible_to(user).values_list("pk", flat=True))
    return qs.filter(participants__agency_id__in=ids).distinct()


def public_plans(cycle):
    """CITY-7: accepted plans, for the public page."""
    return (
        Submission.objects.filter(cycle=cycle, kind=Kind.PLAN, state=State.ACCEPTED)
        .select_related("agency")
        .order_by("agency__code")
    )


def previous_metrics(cycle, agency) -> dict[str, Decimal]:
    """HSC-8: last year's figures from the previous cycle's report, when it exists."""
    values = MetricValue.objects.filter(
        submission__cycle__year=cycle.year - 1,
        submission__agency=agency,
        submission__kind=Kind.REPORT,
        this_year__isnull=False,
    ).values_list("code", "this_year")
    return dict(values)


def report_metrics_of_agency(*, agency_id, cycle_ids) -> dict[int, dict[str, tuple]]:
    """HSC-8, issue 12 item 3: the four yearly figures of one agency's performance
    report in each cycle, as handed in (submitted or accepted; a draft is not a
    figure yet): {cycle_id: {code: (this_year, last_year)}}. One query."""
    out: dict[int, dict[str, tuple]] = {}
    for cycle_id, code, this_year, last_year in MetricValue.objects.filter(
        submission__agency_id=agency_id,
        submission__kind=Kind.REPORT,
        submission__state__in=PANEL_STATES,
        submission__cycle_id__in=list(cycle_ids),
    ).values_list("submission__cycle_id", "code", "this_year", "last_year"):
        out.setdefault(cycle_id, {})[code] = (this_year, last_year)
    return out


def years_with_public_plans():
    """CITY-7: the years that have an accepted plan, newest first."""
    return (
        Cycle.objects.filter(
            pk__in=Submission.objects.filter(kind=Kind.PLAN, state=State.ACCEPTED).values(
                "cycle_id"
            )
        )
        .order_by("-year")
        .values_list("year", flat=True)
    )
