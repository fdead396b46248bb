"""Writes of the reviews app: panel, conflicts, assignments, sheets, import,
results, publication, improvement items (HSC-3, HSC-9..12, SPEC §3.3).

Every function is keyword-only, runs in one transaction and leaves an audit
record. Error messages are zh-Hant first with English in parentheses."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency
from serviceeval.core.audit import audit_bulk, audit_record
from serviceeval.core.models import AuditEvent
from serviceeval.cycles.models import CarryOver, Cycle, Participant
from serviceeval.cycles.services import cycle_mark_scoring_started
from serviceeval.engine import results as engine
from serviceeval.engine.program import ProgramSpec

from .models import (
    Assignment,
    Conflict,
    ConflictSource,
    Exclusion,
    Improvement,
    ImprovementEvidence,
    ImprovementStatus,
    PanelMember,
    PanelRole,
    Result,
    Round,
    Score,
    Sheet,
    SheetStatus,
    SiteVisit,
    TieBreak,
)


class ReviewError(Exception):
    """A refused action; the message is shown to the user as is."""


class SheetInvalid(ReviewError):
    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class StaleSheet(ReviewError):
    """Someone saved the sheet since this form was loaded."""

    def __init__(self, changes: list[dict], version: int):
        self.changes = changes  # [{"criterion", "score", "comment", "by", "at"}]
        self.version = version
        super().__init__(
            "此評分表已被他人更新，您的輸入尚未儲存 (the sheet was changed since you opened it; "
            "nothing was saved)"
        )


_SPECS: dict[tuple[int, str], ProgramSpec] = {}


def spec_of(cycle: Cycle) -> ProgramSpec:
    """The cycle's parsed program, parsed once per process and program version."""
    program = cycle.program
    key = (program.pk, program.checksum)
    if key not in _SPECS:
        _SPECS[key] = program.spec
    return _SPECS[key]


def leaf_max(spec: ProgramSpec, category: str) -> dict[str, Decimal]:
    return {leaf.code: leaf.max_points for leaf in spec.category(category).leaves()}


def _frozen_check(cycle: Cycle) -> None:
    if cycle.results_published_at is not None:
        raise ReviewError(
            "成績已公布並凍結，須先解除凍結 (results are published and frozen; unfreeze first)"
        )


# --- panel and conflicts (HSC-3) -------------------------------------------------


@transaction.atomic
def panel_add(
    *, cycle: Cycle, user: User, role: str, actor, max_assignments: int | None = None
) -> PanelMember:
    if user.role != Role.REVIEWER:
        raise ReviewError(
            f"{user.username} 不是考核委員帳號 (only users with the reviewer role join the panel)"
        )
    if role not in PanelRole.values:
        raise ReviewError(f"未知的委員身分「{role}」 (unknown panel role)")
    if role in (PanelRole.CONVENER, PanelRole.DEPUTY_CONVENER):
        taken = cycle.panel.filter(role=role).exclude(user=user).first()
        if taken:
            raise ReviewError(
                f"本年度已有{PanelRole(role).label}：{taken.user} (this panel role is taken)"
            )
    member, created = PanelMember.objects.update_or_create(
        cycle=cycle, user=user, defaults={"role": role, "max_assignments": max_assignments}
    )
    audit_record(
        actor=actor, action="panel_member_added" if created else "panel_member_changed",
        obj=member, after={"user": user.pk, "role": role, "max_assignments": max_assignments},
    )  # fmt: skip
    conflicts_sync_automatic(cycle=cycle, reviewer_ids=[user.pk])
    return member


@transaction.atomic
def panel_remove(*, member: PanelMember, actor) -> None:
    if Sheet.objects.filter(
        cycle=member.cycle, reviewer=member.user, status=SheetStatus.SUBMITTED
    ).exists():
        raise ReviewError(
            f"{member.user} 已送出評分表，不可移出考核小組；請改用排除評分 "
            "(the reviewer has submitted sheets; exclude them instead)"
        )
    Assignment.objects.filter(cycle=member.cycle, reviewer=member.user).delete()
    audit_record(actor=actor, action="panel_member_removed", obj=member,
                 before={"user": member.user_id, "role": member.role})  # fmt: skip
    member.delete()


def conflicts_sync_automatic(*, cycle: Cycle, reviewer_ids=None) -> int:
    """Automatic conflicts: the reviewer belongs to the agency or to its parent."""
    members = cycle.panel.filter(user__agency__isnull=False)
    if reviewer_ids is not None:
        members = members.filter(user_id__in=list(reviewer_ids))
    pairs = list(members.values_list("user_id", "user__agency_id"))
    if not pairs:
        return 0
    participants = list(cycle.participants.values_list("agency_id", "agency__parent_id"))
    existing = set(cycle.conflicts.values_list("reviewer_id", "agency_id"))
    new = []
    for user_id, home in pairs:
        for agency_id, parent_id in participants:
            if home in (agency_id, parent_id) and (user_id, agency_id) not in existing:
                new.append(
                    Conflict(
                        cycle=cycle, reviewer_id=user_id, agency_id=agency_id,
                        source=ConflictSource.AUTOMATIC,
                        reason="委員任職於受評機關或其上級機關 (reviewer belongs to the agency or its parent)",
                    )
                )  # fmt: skip
    Conflict.objects.bulk_create(new)
    for c in new:
        Assignment.objects.filter(
            cycle=cycle, reviewer_id=c.reviewer_id, agency_id=c.agency_id
        ).delete()
    return len(new)


@transaction.atomic
def conflict_declare(
    *, cycle: Cycle, reviewer: User, agency: Agency, reason: str, actor, source=None
) -> Conflict:
    """A declared conflict removes the reviewer's assignments to that agency."""
    if not reason.strip():
        raise ReviewError("請說明利益迴避的原因 (a reason is required)")
    conflict, created = Conflict.objects.get_or_create(
        cycle=cycle, reviewer=reviewer, agency=agency,
        defaults={"source": source or ConflictSource.DECLARED, "reason": reason.strip()},
    )  # fmt: skip
    if not created and conflict.waived_at is not None:
        conflict.waived_at = None
        conflict.waived_by = None
        conflict.waiver_reason = ""
        conflict.reason = reason.strip()
        conflict.save()
    removed = Assignment.objects.filter(cycle=cycle, reviewer=reviewer, agency=agency)
    removed_rounds = list(removed.values_list("round", flat=True))
    removed.delete()
    audit_record(actor=actor, action="conflict_declared", obj=conflict, agency_id=agency.pk,
                 after={"reviewer": reviewer.pk, "removed_assignments": removed_rounds},
                 reason=reason)  # fmt: skip
    return conflict


@transaction.atomic
def conflict_waive(*, conflict: Conflict, reason: str, actor) -> Conflict:
    if not reason.strip():
        raise ReviewError("豁免利益迴避須說明理由 (a waiver needs a reason)")
    conflict.waived_at = timezone.now()
    conflict.waived_by = actor
    conflict.waiver_reason = reason.strip()
    conflict.save(update_fields=["waived_at", "waived_by", "waiver_reason"])
    audit_record(actor=actor, action="conflict_waived", obj=conflict, agency_id=conflict.agency_id,
                 after={"reviewer": conflict.reviewer_id}, reason=reason)  # fmt: skip
    return conflict


def conflicted_pairs(cycle: Cycle) -> set[tuple[int, int]]:
    """(reviewer_id, agency_id) with an unwaived conflict."""
    return set(
        cycle.conflicts.filter(waived_at__isnull=True).values_list("reviewer_id", "agency_id")
    )


# --- assignments ----------------------------------------------------------------------


def _participant_ids(cycle: Cycle) -> set[int]:
    return set(cycle.participants.values_list("agency_id", flat=True))


@transaction.atomic
def assign(
    *, cycle: Cycle, reviewer: User, agency: Agency, actor, round: str = Round.FIRST,
    automatic: bool = False,
) -> Assignment:  # fmt: skip
    _frozen_check(cycle)
    member = cycle.panel.filter(user=reviewer).first()
    if member is None:
        raise ReviewError(f"{reviewer} 不是本年度考核委員 (not on this cycle's panel)")
    if agency.pk not in _participant_ids(cycle):
        raise ReviewError(f"{agency.name} 不是本年度受評機關 (not a participant)")
    conflicts_sync_automatic(cycle=cycle, reviewer_ids=[reviewer.pk])
    if (reviewer.pk, agency.pk) in conflicted_pairs(cycle):
        raise ReviewError(
            f"{reviewer} 與 {agency.name} 有利益迴避，不可指派 (conflict of interest)"
        )
    if member.max_assignments is not None:
        load = (
            cycle.assignments.filter(reviewer=reviewer, round=round).exclude(agency=agency).count()
        )
        if load >= member.max_assignments:
            raise ReviewError(
                f"{reviewer} 已達指派上限 {member.max_assignments} 個機關 (the reviewer's cap is reached)"
            )
    assignment, created = Assignment.objects.get_or_create(
        cycle=cycle, reviewer=reviewer, agency=agency, round=round,
        defaults={"automatic": automatic},
    )  # fmt: skip
    if created:
        audit_record(actor=actor, action="reviewer_assigned", obj=assignment, agency_id=agency.pk,
                     after={"reviewer": reviewer.pk, "round": round, "automatic": automatic})  # fmt: skip
    return assignment


@transaction.atomic
def unassign(*, assignment: Assignment, actor) -> None:
    _frozen_check(assignment.cycle)
    if Sheet.objects.filter(
        cycle=assignment.cycle, agency=assignment.agency, reviewer=assignment.reviewer,
        round=assignment.round, status=SheetStatus.SUBMITTED,
    ).exists():  # fmt: skip
        raise ReviewError(
            "此委員已送出評分表，請改用排除評分並說明理由 (a submitted sheet exists; exclude instead)"
        )
    audit_record(actor=actor, action="reviewer_unassigned", obj=assignment,
                 agency_id=assignment.agency_id,
                 before={"reviewer": assignment.reviewer_id, "round": assignment.round})  # fmt: skip
    assignment.delete()


@dataclass
class AutoAssignReport:
    created: int = 0
    short: list[tuple[str, int]] = field(default_factory=list)  # (agency name, reviewers missing)


@transaction.atomic
def auto_assign(
    *, cycle: Cycle, actor, per_agency: int, cap: int | None = None, round: str = Round.FIRST
) -> AutoAssignReport:
    """Give every target agency at least `per_agency` reviewers, balancing the load:
    each slot goes to the eligible reviewer with the fewest agencies so far
    (ties by username), never over the reviewer's cap (theirs, or `cap`), never
    to a conflicted reviewer. Agencies with the fewest eligible reviewers go first."""
    _frozen_check(cycle)
    if per_agency < 1:
        raise ReviewError("每個機關至少需 1 位委員 (at least one reviewer per agency)")
    conflicts_sync_automatic(cycle=cycle)
    members = list(cycle.panel.select_related("user").order_by("user__username"))
    if not members:
        raise ReviewError("尚未組成考核小組 (the panel has no members)")
    if round == Round.FIRST:
        targets = list(cycle.participants.select_related("agency").order_by("agency__code"))
        target_agencies = [p.agency for p in targets]
    else:
        re_grade = spec_of(cycle).re_evaluation
        if re_grade is None:
            raise ReviewError("此考核計畫沒有複評 (the program has no re-evaluation)")
        due = {r.agency_id for r in compute_cycle(cycle) if r.grade == re_grade.grade}
        target_agencies = list(Agency.objects.filter(pk__in=due).order_by("code"))
    blocked = conflicted_pairs(cycle)
    existing = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    for reviewer_id, agency_id in cycle.assignments.filter(round=round).values_list(
        "reviewer_id", "agency_id"
    ):
        existing[agency_id].add(reviewer_id)
        load[reviewer_id] += 1
    caps = {m.user_id: m.max_assignments if m.max_assignments is not None else cap for m in members}

    def eligible(agency_id):
        return [m for m in members if (m.user_id, agency_id) not in blocked]

    report = AutoAssignReport()
    new: list[Assignment] = []
    for agency in sorted(target_agencies, key=lambda a: (len(eligible(a.pk)), a.code)):
        while len(existing[agency.pk]) < per_agency:
            choices = [
                m for m in eligible(agency.pk)
                if m.user_id not in existing[agency.pk]
                and (caps[m.user_id] is None or load[m.user_id] < caps[m.user_id])
            ]  # fmt: skip
            if not choices:
                report.short.append((agency.name, per_agency - len(existing[agency.pk])))
                break
            pick = min(choices, key=lambda m: (load[m.user_id], m.user.username))
            existing[agency.pk].add(pick.user_id)
            load[pick.user_id] += 1
            new.append(Assignment(cycle=cycle, reviewer_id=pick.user_id, agency=agency,
                                  round=round, automatic=True))  # fmt: skip
    Assignment.objects.bulk_create(new)
    report.created = len(new)
    audit_record(actor=actor, action="auto_assigned", obj=cycle,
                 after={"round": round, "per_agency": per_agency, "cap": cap, "created": len(new),
                        "short": report.short})  # fmt: skip
    return report


# --- sheets ----------------------------------------------------------------------------


def validate_score(raw, max_points: Decimal, step: Decimal) -> tuple[Decimal | None, str]:
    """(score, "") or (None, message). Empty input is (None, "")."""
    text = str(raw).strip() if raw is not None else ""
    if text == "":
        return None, ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"「{text}」不是數字 (not a number)"
    if not value.is_finite():
        return None, f"「{text}」不是數字 (not a number)"
    if value < 0 or value > max_points:
        return None, (
            f"分數 {text} 超出 0–{_fmt(max_points)} (score outside 0..{_fmt(max_points)})"
        )
    if value % step != 0:
        return None, f"分數 {text} 不是 {_fmt(step)} 的倍數 (score off the {_fmt(step)} step)"
    if value != value.quantize(Decimal("0.01")):
        return None, f"分數 {text} 最多兩位小數 (at most 2 decimals)"
    return value, ""


def _fmt(d: Decimal | None) -> str:
    if d is None:
        return ""
    d = Decimal(d)
    return format(d.normalize(), "f") if d == d.to_integral() else format(d.normalize(), "f")


def reviewer_may_score(*, cycle: Cycle, agency_id: int, reviewer_id: int, round: str) -> bool:
    if (reviewer_id, agency_id) in conflicted_pairs(cycle):
        return False
    return cycle.assignments.filter(
        reviewer_id=reviewer_id, agency_id=agency_id, round=round
    ).exists()


def sheet_get_or_create(*, cycle: Cycle, agency: Agency, reviewer: User, round: str) -> Sheet:
    sheet, _created = Sheet.objects.get_or_create(
        cycle=cycle, agency=agency, reviewer=reviewer, round=round
    )
    return sheet


def sheet_save(
    *, sheet: Sheet, values: dict[str, tuple[str, str]], version: int, actor, submit: bool = False
) -> Sheet:
    """Save a draft (or submit). `values` = {criterion code: (raw score, comment)}.

    Refused when the results are frozen, when the sheet is submitted, when the
    reviewer may no longer score it, and (StaleSheet) when `version` is not the
    sheet's current version: a concurrent save is never silently overwritten."""
    cycle = sheet.cycle
    _frozen_check(cycle)
    if not reviewer_may_score(
        cycle=cycle, agency_id=sheet.agency_id, reviewer_id=sheet.reviewer_id, round=sheet.round
    ):
        raise ReviewError("您未受指派此機關或有利益迴避 (not assigned, or conflicted)")
    spec = spec_of(cycle)
    category = cycle.participants.get(agency_id=sheet.agency_id).category
    maxima = leaf_max(spec, category)
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[Decimal | None, str]] = {}
    for code, (raw, comment) in values.items():
        if code not in maxima:
            errors[code] = f"評核重點「{code}」不存在 (unknown criterion)"
            continue
        value, problem = validate_score(raw, maxima[code], spec.scoring.step)
        if problem:
            errors[code] = problem
        cleaned[code] = (value, (comment or "").strip())
    if submit:
        for code in maxima:
            if cleaned.get(code, (None, ""))[0] is None and code not in errors:
                errors[code] = "送出前須填寫分數 (a score is required to submit)"
    if errors:
        raise SheetInvalid(errors)
    with transaction.atomic():
        current = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if current.status == SheetStatus.SUBMITTED:
            raise ReviewError(
                "評分表已送出，僅召集人可退回修改 (the sheet is submitted; only the convener can reopen it)"
            )
        if current.version != version:
            raise StaleSheet(_changes_since(current, version), current.version)
        existing = {s.criterion: s for s in current.scores.all()}
        before, after, to_update, to_create = {}, {}, [], []
        for code, (value, comment) in cleaned.items():
            row = existing.get(code)
            if row is None:
                if value is None and not comment:
                    continue
                to_create.append(Score(sheet=current, criterion=code, score=value, comment=comment))
                after[code] = [value, comment]
            elif row.score != value or row.comment != comment:
                before[code] = [row.score, row.comment]
                row.score, row.comment = value, comment
                to_update.append(row)
                after[code] = [value, comment]
        Score.objects.bulk_create(to_create)
        Score.objects.bulk_update(to_update, ["score", "comment"])
        now = timezone.now()
        updates = {"version": F("version") + 1, "updated": now}
        if submit:
            updates.update(status=SheetStatus.SUBMITTED, submitted_at=now)
        # The version in the WHERE clause is what makes a concurrent save lose, not overwrite.
        if not Sheet.objects.filter(pk=current.pk, version=version).update(**updates):
            raise StaleSheet(_changes_since(current, version), current.version)
        current.refresh_from_db()
        audit_record(
            actor=actor, action="sheet_submitted" if submit else "sheet_saved", obj=current,
            before={"scores": before}, after={"version": current.version, "scores": after},
        )  # fmt: skip
    cycle_mark_scoring_started(cycle=cycle)
    return current


def _changes_since(sheet: Sheet, version: int) -> list[dict]:
    """What other saves changed after `version`, from the audit trail."""
    events = AuditEvent.objects.filter(
        object_type="reviews.sheet", object_id=str(sheet.pk),
        action__in=["sheet_saved", "sheet_submitted", "sheet_reopened"],
    ).select_related("actor").order_by("at", "id")  # fmt: skip
    changes = []
    for event in events:
        if int(event.after.get("version", 0)) <= version:
            continue
        for code, (score, comment) in sorted((event.after.get("scores") or {}).items()):
            changes.append({"criterion": code, "score": score, "comment": comment,
                            "by": str(event.actor or ""), "at": event.at})  # fmt: skip
    return changes


@transaction.atomic
def sheet_reopen(*, sheet: Sheet, reason: str, actor) -> Sheet:
    """The convener (or deputy) reopens a submitted sheet, with a reason."""
    _frozen_check(sheet.cycle)
    role = (
        sheet.cycle.panel.filter(user=actor).values_list("role", flat=True).first()
        if actor
        else None
    )
    if role not in (PanelRole.CONVENER, PanelRole.DEPUTY_CONVENER):
        raise ReviewError("只有召集人或副召集人可退回評分表 (only the convener can reopen)")
    if not reason.strip():
        raise ReviewError("退回須說明理由 (a reason is required)")
    if sheet.status != SheetStatus.SUBMITTED:
        raise ReviewError("評分表尚未送出 (the sheet is not submitted)")
    Sheet.objects.filter(pk=sheet.pk).update(
        status=SheetStatus.DRAFT, submitted_at=None, version=F("version") + 1
    )
    sheet.refresh_from_db()
    audit_record(actor=actor, action="sheet_reopened", obj=sheet, agency_id=sheet.agency_id,
                 before={"status": "submitted"},
                 after={"status": "draft", "version": sheet.version}, reason=reason)  # fmt: skip
    return sheet


@transaction.atomic
def visit_record(
    *, cycle: Cycle, agency: Agency, on: date, members, notes: str, actor
) -> SiteVisit:
    visit = SiteVisit.objects.create(
        cycle=cycle, agency=agency, date=on, notes=notes.strip(), created_by=actor
    )
    visit.members.set(members)
    audit_record(actor=actor, action="site_visit_recorded", obj=visit, agency_id=agency.pk,
                 after={"date": on, "members": [m.pk for m in members]})  # fmt: skip
    return visit


# --- exclusions and tie-breaks -----------------------------------------------------


@transaction.atomic
def exclusion_add(
    *, cycle: Cycle, agency: Agency, reviewer: User, reason: str, actor, round: str = Round.FIRST
) -> Exclusion:
    _frozen_check(cycle)
    if not reason.strip():
        raise ReviewError("排除評分須說明理由 (a reason is required)")
    if not cycle.assignments.filter(agency=agency, reviewer=reviewer, round=round).exists():
        raise ReviewError(f"{reviewer} 未受指派 {agency.name} (not assigned)")
    exclusion, _ = Exclusion.objects.update_or_create(
        cycle=cycle, agency=agency, reviewer=reviewer, round=round,
        defaults={"reason": reason.strip(), "created_by": actor},
    )  # fmt: skip
    audit_record(actor=actor, action="reviewer_excluded", obj=exclusion, agency_id=agency.pk,
                 after={"reviewer": reviewer.pk, "round": round}, reason=reason)  # fmt: skip
    return exclusion


@transaction.atomic
def tie_break_record(*, cycle: Cycle, agency_ids: list[int], reason: str, actor) -> None:
    """Order tied agencies (first = better rank), with a reason (SPEC §3.3)."""
    _frozen_check(cycle)
    if not reason.strip():
        raise ReviewError("同分排序須說明理由 (a reason is required)")
    results = {r.agency_id: r for r in compute_cycle(cycle)}
    chosen = [results.get(a) for a in agency_ids]
    if len(agency_ids) < 2 or any(r is None or r.total is None for r in chosen):
        raise ReviewError("請選擇兩個以上已完成評分的機關 (choose two or more complete agencies)")
    if len({(r.group, r.total) for r in chosen}) != 1:
        raise ReviewError("所選機關並非同組同分 (the agencies are not tied in one group)")
    TieBreak.objects.filter(cycle=cycle, agency_id__in=agency_ids).delete()
    TieBreak.objects.bulk_create(
        TieBreak(cycle=cycle, agency_id=a, position=i, reason=reason.strip(), created_by=actor)
        for i, a in enumerate(agency_ids)
    )
    audit_record(actor=actor, action="tie_break_recorded", obj=cycle,
                 after={"order": agency_ids}, reason=reason)  # fmt: skip


# --- computing results -------------------------------------------------------------


@dataclass
class CycleData:
    spec: ProgramSpec
    participants: list[tuple[int, str, str, str | None]]  # agency_id, category, code, group
    inputs: list[engine.AgencyInput]
    submitted: dict[str, dict[tuple[int, int, str], Decimal]]  # round → (agency, reviewer, code)


def load_cycle(cycle: Cycle) -> CycleData:
    """Everything the engine needs, in five queries."""
    spec = spec_of(cycle)
    participants = list(
        Participant.objects.filter(cycle=cycle)
        .order_by("agency__code")
        .values_list("agency_id", "category", "agency__code", "group__code")
    )
    expected: dict[tuple[str, int], set[int]] = defaultdict(set)
    for agency_id, reviewer_id, round_ in Assignment.objects.filter(cycle=cycle).values_list(
        "agency_id", "reviewer_id", "round"
    ):
        expected[(round_, agency_id)].add(reviewer_id)
    for agency_id, reviewer_id, round_ in Exclusion.objects.filter(cycle=cycle).values_list(
        "agency_id", "reviewer_id", "round"
    ):
        expected[(round_, agency_id)].discard(reviewer_id)
    for reviewer_id, agency_id in conflicted_pairs(cycle):
        for round_ in Round.values:
            expected[(round_, agency_id)].discard(reviewer_id)
    submitted: dict[str, dict] = {r: {} for r in Round.values}
    rows = (
        Score.objects.filter(
            sheet__cycle=cycle, sheet__status=SheetStatus.SUBMITTED, score__isnull=False
        )
        .order_by()
        .values_list("sheet__round", "sheet__agency_id", "sheet__reviewer_id", "criterion", "score")
    )
    by_agency: dict[tuple[str, int], dict[tuple[int, str], Decimal]] = defaultdict(dict)
    for round_, agency_id, reviewer_id, code, score in rows.iterator(chunk_size=20000):
        submitted[round_][(agency_id, reviewer_id, code)] = score
        by_agency[(round_, agency_id)][(reviewer_id, code)] = score
    inputs = [
        engine.AgencyInput(
            agency_id=agency_id,
            group=group,
            category=category,
            expected=tuple(expected[(Round.FIRST, agency_id)]),
            scores=by_agency.get((Round.FIRST, agency_id), {}),
            re_expected=tuple(expected[(Round.RE_EVALUATION, agency_id)]),
            re_scores=by_agency.get((Round.RE_EVALUATION, agency_id), {}),
        )  # fmt: skip
        for agency_id, category, _code, group in participants
    ]
    return CycleData(spec, participants, inputs, submitted)


def compute_cycle(cycle: Cycle, data: CycleData | None = None) -> list[engine.AgencyResult]:
    data = data or load_cycle(cycle)
    tie_breaks = dict(TieBreak.objects.filter(cycle=cycle).values_list("agency_id", "position"))
    return engine.compute_results(data.spec, data.inputs, tie_breaks)


@dataclass
class ResultRow:
    """One line of the results table (live or published)."""

    agency_id: int
    code: str
    name: str
    group: str | None
    group_name: str
    status: str
    total: Decimal | None
    grade: str | None
    re_total: Decimal | None
    re_status: str
    final_grade: str | None
    rank: int | None
    reasons: list[str] = field(default_factory=list)
    tie_break: str = ""


def results_table(cycle: Cycle) -> list[ResultRow]:
    """The published snapshot when the cycle is published, else computed now.
    Ordered by group, rank (incomplete last), agency code."""
    agencies = {
        a["pk"]: a
        for a in Agency.objects.filter(participations__cycle=cycle).values(
            "pk", "code", "name", "group__name"
        )
    }
    group_names = dict(
        Participant.objects.filter(cycle=cycle).values_list("group__code", "group__name")
    )
    ties = {
        t.agency_id: t.reason
        for t in TieBreak.objects.filter(cycle=cycle).only("agency_id", "reason")
    }
    rows: list[ResultRow] = []
    if cycle.results_published_at is not None:
        for r in Result.objects.filter(cycle=cycle):
            a = agencies.get(r.agency_id) or {"code": "", "name": ""}
            rows.append(ResultRow(
                r.agency_id, a["code"], a["name"], r.group or None,
                group_names.get(r.group or None) or "", r.status, r.total, r.grade or None,
                r.re_total, r.re_status, r.final_grade or None, r.rank,
                tie_break=ties.get(r.agency_id, ""),
            ))  # fmt: skip
    else:
        for r in compute_cycle(cycle):
            a = agencies[r.agency_id]
            rows.append(ResultRow(
                r.agency_id, a["code"], a["name"], r.group, group_names.get(r.group) or "",
                r.status, r.total, r.grade, r.re_total, r.re_status, r.final_grade, r.rank,
                list(r.reasons), ties.get(r.agency_id, ""),
            ))  # fmt: skip
    rows.sort(key=lambda r: (r.group or "", r.rank is None, r.rank or 0, r.code))
    return rows


def results_json(cycle: Cycle) -> list[dict]:
    """The `compute_results --json` objects, in agency-code order."""
    rows = sorted(results_table(cycle), key=lambda r: r.code)
    return [
        {
            "agency": r.code,
            "name": r.name,
            "group": r.group,
            "status": r.status,
            "total": None if r.total is None else format(r.total, "f"),
            "grade": r.grade,
            "final_grade": r.final_grade,
            "rank": r.rank,
        }
        for r in rows
    ]


# --- publication (freeze), carry-over (HSC-11) ---------------------------------------


@transaction.atomic
def publish_results(*, cycle: Cycle, actor) -> list[Result]:
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.results_published_at is not None:
        raise ReviewError("成績已公布 (results are already published)")
    results = compute_cycle(cycle)
    incomplete = [r for r in results if r.status != engine.COMPLETE]
    if not results:
        raise ReviewError("本年度沒有受評機關 (no participants)")
    if incomplete:
        codes = dict(Agency.objects.filter(pk__in=[r.agency_id for r in incomplete])
                     .values_list("pk", "name"))  # fmt: skip
        names = "、".join(codes[r.agency_id] for r in incomplete[:10])
        more = f" 等 {len(incomplete)} 個" if len(incomplete) > 10 else ""
        raise ReviewError(
            f"尚有機關評分未完成，不可公布：{names}{more} "
            f"({len(incomplete)} participant(s) incomplete; publication refused)"
        )
    now = timezone.now()
    rows = [
        Result(
            cycle=cycle,
            agency_id=r.agency_id,
            group=r.group or "",
            category=r.category,
            status=r.status,
            total=r.total,
            grade=r.grade or "",
            re_total=r.re_total,
            re_status=r.re_status,
            final_grade=r.final_grade or "",
            rank=r.rank,
            detail=_detail(r),
            published_at=now,
        )  # fmt: skip
        for r in results
    ]
    Result.objects.bulk_create(rows, batch_size=1000)
    cycle.results_published_at = now
    cycle.save(update_fields=["results_published_at"])
    _carry_over(cycle, results, actor)
    audit_record(actor=actor, action="results_published", obj=cycle,
                 after={"results": [[r.agency_id, r.total, r.grade, r.final_grade, r.rank]
                                    for r in results]})  # fmt: skip
    return rows


def _detail(r: engine.AgencyResult) -> dict:
    def text(values):
        return {k: format(v, "f") for k, v in values.items()}

    detail = {"criteria": text(r.first.criterion_scores), "nodes": text(r.first.node_totals)}
    if r.re_evaluation is not None:
        detail["re_criteria"] = text(r.re_evaluation.criterion_scores)
        detail["re_nodes"] = text(r.re_evaluation.node_totals)
    return detail


def _carry_over(cycle: Cycle, results, actor) -> None:
    """HSC-11: a 丙 that stands after re-evaluation is evaluated next year."""
    spec = spec_of(cycle)
    rule = spec.re_evaluation
    if rule is None:
        return
    band = {g.code: g.name for g in spec.grades}.get(rule.grade, rule.grade)
    for r in results:
        if r.final_grade == rule.grade:
            CarryOver.objects.get_or_create(
                agency_id=r.agency_id, from_cycle=cycle,
                defaults={"reason": f"民國{cycle.year}年度考列{band}且未通過複評 (HSC-11)",
                          "created_by": actor if getattr(actor, "pk", None) else None},
            )  # fmt: skip


@transaction.atomic
def unfreeze_results(*, cycle: Cycle, reason: str, actor) -> None:
    if not reason.strip():
        raise ReviewError("解除凍結須說明理由 (a reason is required)")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.results_published_at is None:
        raise ReviewError("成績尚未公布 (results are not published)")
    before = list(Result.objects.filter(cycle=cycle).values_list(
        "agency_id", "total", "grade", "final_grade", "rank"))  # fmt: skip
    Result.objects.filter(cycle=cycle).delete()
    carried = list(CarryOver.objects.filter(from_cycle=cycle).values_list("agency_id", flat=True))
    CarryOver.objects.filter(from_cycle=cycle).delete()
    cycle.results_published_at = None
    cycle.save(update_fields=["results_published_at"])
    audit_record(actor=actor, action="results_unfrozen", obj=cycle,
                 before={"results": [list(b) for b in before], "carry_over": carried},
                 reason=reason)  # fmt: skip


# --- import (all-or-nothing) -------------------------------------------------------

IMPORT_COLUMNS = ("agency", "reviewer", "criterion", "score", "comment")
REQUIRED_IMPORT_COLUMNS = ("agency", "reviewer", "criterion", "score")


@dataclass
class ImportReport:
    sheets: int = 0
    scores: int = 0
    errors: list[str] = field(default_factory=list)


def scores_import(
    *, cycle: Cycle, rows, actor=None, round: str = Round.FIRST, add_reviewers: bool = False
) -> ImportReport:
    """Import score rows (agency by code or exact name, reviewer by username,
    criterion by code). Any bad row rejects the whole file: nothing is stored.
    Imported sheets count as submitted; their scores replace the sheet's."""
    report = ImportReport()
    if cycle.results_published_at is not None:
        report.errors.append(
            "成績已公布並凍結，不可匯入 (results are published and frozen; nothing stored)"
        )
        return report
    if round not in Round.values:
        report.errors.append(f"未知的評分輪次「{round}」 (use first or re-evaluation)")
        return report
    spec = spec_of(cycle)
    participants = {}
    for agency_id, code, name, category in cycle.participants.values_list(
        "agency_id", "agency__code", "agency__name", "category"
    ):
        participants[code] = participants[name] = (agency_id, category)
    maxima = {c.code: leaf_max(spec, c.code) for c in spec.categories}
    step = spec.scoring.step
    users = {}
    usernames = {str(r.get("reviewer", "")).strip() for _, r in rows}
    for pk, username, role in User.objects.filter(username__in=usernames).values_list(
        "pk", "username", "role"
    ):
        users[username] = (pk, role)
    panel = set(cycle.panel.values_list("user_id", flat=True))
    assigned = set(cycle.assignments.filter(round=round).values_list("reviewer_id", "agency_id"))
    blocked = conflicted_pairs(cycle)
    seen: dict[tuple[int, int, str], int] = {}
    cleaned: dict[tuple[int, int], dict[str, tuple[Decimal, str]]] = defaultdict(dict)
    to_assign: set[tuple[int, int]] = set()
    to_panel: set[int] = set()
    errors = report.errors
    for number, row in rows:
        prefix = f"第 {number} 列 (row {number}): "
        agency_key = str(row.get("agency", "")).strip()
        username = str(row.get("reviewer", "")).strip()
        code = str(row.get("criterion", "")).strip()
        problems = []
        agency = participants.get(agency_key)
        if agency is None:
            problems.append(f"agency「{agency_key}」不是本年度受評機關 (unknown agency)")
        user = users.get(username)
        if user is None:
            problems.append(f"reviewer「{username}」不存在 (unknown reviewer)")
        elif user[1] != Role.REVIEWER:
            problems.append(f"reviewer「{username}」不是考核委員帳號 (not a reviewer account)")
        if agency is not None and code not in maxima[agency[1]]:
            problems.append(f"criterion「{code}」不存在 (unknown criterion)")
        if agency is not None and code in maxima[agency[1]]:
            value, problem = validate_score(row.get("score"), maxima[agency[1]][code], step)
            if problem:
                problems.append(f"score {problem}")
            elif value is None:
                problems.append("score 不可空白 (score is missing)")
        else:
            value = None
        if agency is not None and user is not None and user[1] == Role.REVIEWER:
            pair = (user[0], agency[0])
            if pair in blocked:
                problems.append(f"reviewer「{username}」與受評機關有利益迴避 (conflicted reviewer)")
            elif pair not in assigned:
                if add_reviewers:
                    to_assign.add(pair)
                    if user[0] not in panel:
                        to_panel.add(user[0])
                else:
                    problems.append(
                        f"reviewer「{username}」未受指派此機關；可加 --add-reviewers "
                        "(reviewer not assigned; use --add-reviewers)"
                    )
            key = (agency[0], user[0], code)
            if key in seen:
                problems.append(f"與第 {seen[key]} 列重複 (duplicate of row {seen[key]})")
            else:
                seen[key] = number
        if problems:
            errors.append(prefix + "；".join(problems))
            continue
        cleaned[(agency[0], user[0])][code] = (value, str(row.get("comment", "") or "").strip())
    if not rows:
        errors.append("檔案沒有資料列 (no data rows)")
    if errors:
        return report
    _store_import(cycle, cleaned, to_assign, to_panel, round, actor)
    report.sheets = len(cleaned)
    report.scores = sum(len(v) for v in cleaned.values())
    return report


@transaction.atomic
def _store_import(cycle, cleaned, to_assign, to_panel, round, actor) -> None:
    PanelMember.objects.bulk_create(
        [PanelMember(cycle=cycle, user_id=u, role=PanelRole.MEMBER) for u in sorted(to_panel)]
    )
    Assignment.objects.bulk_create(
        [
            Assignment(cycle=cycle, reviewer_id=r, agency_id=a, round=round, automatic=False)
            for r, a in sorted(to_assign)
        ]  # fmt: skip
    )
    now = timezone.now()
    existing = {
        (s.agency_id, s.reviewer_id): s
        for s in Sheet.objects.filter(cycle=cycle, round=round)
        .order_by()
        .only("pk", "agency_id", "reviewer_id", "version")
    }
    new_sheets = [
        Sheet(cycle=cycle, agency_id=a, reviewer_id=r, round=round, status=SheetStatus.SUBMITTED,
              imported=True, submitted_at=now)
        for (a, r) in cleaned if (a, r) not in existing
    ]  # fmt: skip
    Sheet.objects.bulk_create(new_sheets, batch_size=2000)
    touched = [existing[k].pk for k in cleaned if k in existing]
    if touched:
        for start in range(0, len(touched), 900):
            chunk = touched[start : start + 900]
            Score.objects.filter(sheet_id__in=chunk).delete()
            Sheet.objects.filter(pk__in=chunk).update(
                status=SheetStatus.SUBMITTED, imported=True, submitted_at=now,
                version=F("version") + 1, updated=now,
            )  # fmt: skip
    if new_sheets and new_sheets[0].pk is None:  # backends that do not return ids
        existing = {
            (s.agency_id, s.reviewer_id): s
            for s in Sheet.objects.filter(cycle=cycle, round=round)
            .order_by()
            .only("pk", "agency_id", "reviewer_id")
        }
    else:
        existing.update({(s.agency_id, s.reviewer_id): s for s in new_sheets})

    def scores():
        for key, values in cleaned.items():
            sheet_id = existing[key].pk
            for code, (value, comment) in values.items():
                yield Score(sheet_id=sheet_id, criterion=code, score=value, comment=comment)

    batch: list[Score] = []
    for score in scores():
        batch.append(score)
        if len(batch) >= 5000:
            Score.objects.bulk_create(batch)
            batch = []
    Score.objects.bulk_create(batch)
    actor_obj = actor if getattr(actor, "is_authenticated", False) else None
    if connection.vendor == "postgresql" and len(cleaned) > 1000:
        # Fresh planner statistics after a bulk load, so the next reads use good plans.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE reviews_sheet")
            cursor.execute("ANALYZE reviews_score")
    audit_bulk([
        AuditEvent(actor=actor_obj, action="sheet_imported", object_type="reviews.sheet",
                   object_id=str(existing[key].pk), agency_id=key[0],
                   after={"round": round, "scores": {c: format(v, "f") for c, (v, _) in vals.items()}})
        for key, vals in cleaned.items()
    ])  # fmt: skip
    cycle_mark_scoring_started(cycle=cycle)


# --- exports -------------------------------------------------------------------------

LONG_HEADER = ("agency", "agency_name", "reviewer", "reviewer_name", "round", "criterion",
               "score", "comment", "status")  # fmt: skip


def long_format_rows(cycle: Cycle):
    """agency × reviewer × criterion × round, every stored score, in rubric order."""
    spec = spec_of(cycle)
    position = {}
    for category in spec.categories:
        for i, node in enumerate(category.nodes()):
            position.setdefault(node.code, i)
    rows = list(
        Score.objects.filter(sheet__cycle=cycle).order_by().values_list(
            "sheet__agency__code", "sheet__agency__name", "sheet__reviewer__username",
            "sheet__reviewer__last_name", "sheet__round", "criterion", "score", "comment",
            "sheet__status",
        )
    )  # fmt: skip
    round_order = {Round.FIRST: 0, Round.RE_EVALUATION: 1}
    rows.sort(key=lambda r: (r[0], round_order.get(r[4], 9), r[2], position.get(r[5], 1 << 20)))
    return rows


# --- improvement items (HSC-12) -----------------------------------------------------


@transaction.atomic
def improvement_create(
    *, cycle: Cycle, agency: Agency, text: str, deadline: date, actor, criterion: str = ""
) -> Improvement:
    if not text.strip():
        raise ReviewError("請填寫改進事項 (the item text is required)")
    if agency.pk not in _participant_ids(cycle):
        raise ReviewError(f"{agency.name} 不是本年度受評機關 (not a participant)")
    item = Improvement.objects.create(
        cycle=cycle, agency=agency, text=text.strip(), deadline=deadline,
        criterion=criterion.strip(), created_by=actor,
    )  # fmt: skip
    audit_record(actor=actor, action="improvement_created", obj=item,
                 after={"text": item.text, "deadline": deadline, "criterion": item.criterion})  # fmt: skip
    return item


@transaction.atomic
def improvement_respond(*, item: Improvement, response: str, files=(), actor) -> Improvement:
    if item.status == ImprovementStatus.CLOSED:
        raise ReviewError("此事項已結案 (the item is closed)")
    if not response.strip():
        raise ReviewError("請說明改善情形 (describe what was done)")
    before = {"status": item.status, "response": item.response}
    item.response = response.strip()
    item.responded_at = timezone.now()
    item.status = ImprovementStatus.ANSWERED
    item.save(update_fields=["response", "responded_at", "status"])
    names = []
    for f in files:
        ImprovementEvidence.objects.create(improvement=item, file=f, name=f.name, uploaded_by=actor)
        names.append(f.name)
    audit_record(actor=actor, action="improvement_answered", obj=item, before=before,
                 after={"status": item.status, "response": item.response, "files": names})  # fmt: skip
    return item


@transaction.atomic
def improvement_decide(*, item: Improvement, close: bool, note: str, actor) -> Improvement:
    """The office closes an answered item, or returns it for more work (with a note)."""
    if item.status == ImprovementStatus.CLOSED:
        raise ReviewError("此事項已結案 (the item is closed)")
    if not close and not note.strip():
        raise ReviewError("退回須說明理由 (a note is required to return an item)")
    before = {"status": item.status}
    item.status = ImprovementStatus.CLOSED if close else ImprovementStatus.RETURNED
    item.office_note = note.strip()
    item.closed_at = timezone.now() if close else None
    item.save(update_fields=["status", "office_note", "closed_at"])
    audit_record(actor=actor, action="improvement_closed" if close else "improvement_returned",
                 obj=item, before=before, after={"status": item.status}, reason=note)  # fmt: skip
    return item
