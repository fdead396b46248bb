"""Panel, conflicts of interest and assignments (HSC-3)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency
from serviceeval.core.audit import audit_record
from serviceeval.core.signals import RESULTS, announce_roster_inputs
from serviceeval.cycles.models import Cycle

from ..models import (
    Assignment,
    Conflict,
    ConflictSource,
    PanelMember,
    PanelRole,
    Round,
    Sheet,
    SheetStatus,
)
from ..rules import may_join_panel
from ..selectors import results_for_cycle
from .base import ReviewError, _frozen_check, conflicted_pairs, spec_of
from .notices import tell_assigned, tell_auto_assigned
from .results import compute_cycle

# --- panel and conflicts (HSC-3) -------------------------------------------------


@transaction.atomic
def panel_add(
    *, cycle: Cycle, user: User, role: str, actor, max_assignments: int | None = None
) -> PanelMember:
    if not may_join_panel(user):
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
        actor=actor,
        action="panel_member_added" if created else "panel_member_changed",
        obj=member,
        after={"user": user.pk, "role": role, "max_assignments": max_assignments},
    )
    conflicts_sync_automatic(cycle=cycle, reviewer_ids=[user.pk])
    return member


@transaction.atomic
def panel_remove_check(member: PanelMember) -> None:
    """Raise ReviewError when `member` cannot leave the panel: asked before the
    confirmation page, so nobody confirms what will then be refused."""
    if Sheet.objects.filter(
        cycle=member.cycle, reviewer=member.user, status=SheetStatus.SUBMITTED
    ).exists():
        raise ReviewError(
            f"{member.user} 已送出評分表，不可移出考核小組；請改用排除評分 "
            "(the reviewer has submitted sheets; exclude them instead)"
        )


def panel_remove(*, member: PanelMember, actor) -> None:
    panel_remove_check(member)
    Assignment.objects.filter(cycle=member.cycle, reviewer=member.user).delete()
    audit_record(
        actor=actor,
        action="panel_member_removed",
        obj=member,
        before={"user": member.user_id, "role": member.role},
    )
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
                        cycle=cycle,
                        reviewer_id=user_id,
                        agency_id=agency_id,
                        source=ConflictSource.AUTOMATIC,
                        reason="委員任職於受評機關或其上級機關 (reviewer belongs to the agency or its parent)",
                    )
                )
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
        cycle=cycle,
        reviewer=reviewer,
        agency=agency,
        defaults={"source": source or ConflictSource.DECLARED, "reason": reason.strip()},
    )
    if not created and conflict.waived_at is not None:
        conflict.waived_at = None
        conflict.waived_by = None
        conflict.waiver_reason = ""
        conflict.reason = reason.strip()
        conflict.save()
    removed = Assignment.objects.filter(cycle=cycle, reviewer=reviewer, agency=agency)
    removed_rounds = list(removed.values_list("round", flat=True))
    removed.delete()
    audit_record(
        actor=actor,
        action="conflict_declared",
        obj=conflict,
        agency_id=agency.pk,
        after={"reviewer": reviewer.pk, "removed_assignments": removed_rounds},
        reason=reason,
    )
    announce_roster_inputs(cycle, RESULTS)
    return conflict


@transaction.atomic
def conflict_waive(*, conflict: Conflict, reason: str, actor) -> Conflict:
    if not reason.strip():
        raise ReviewError("豁免利益迴避須說明理由 (a waiver needs a reason)")
    conflict.waived_at = timezone.now()
    conflict.waived_by = actor
    conflict.waiver_reason = reason.strip()
    conflict.save(update_fields=["waived_at", "waived_by", "waiver_reason"])
    audit_record(
        actor=actor,
        action="conflict_waived",
        obj=conflict,
        agency_id=conflict.agency_id,
        after={"reviewer": conflict.reviewer_id},
        reason=reason,
    )
    announce_roster_inputs(conflict.cycle, RESULTS)
    return conflict


# --- assignments ----------------------------------------------------------------------


def re_evaluated_agency_ids(cycle: Cycle) -> set[int]:
    """HSC-10: the agencies whose first-round grade is the program's re-evaluated
    band (丙): the only ones a re-evaluation round is for."""
    rule = spec_of(cycle).re_evaluation
    if rule is None:
        return set()
    return {r.agency_id for r in results_for_cycle(cycle) if r.grade == rule.grade}


def _re_evaluation_refusal(cycle: Cycle, name: str) -> str:
    rule = spec_of(cycle).re_evaluation
    band = next((g.name for g in spec_of(cycle).grades if rule and g.code == rule.grade), "")
    if rule is None:
        return "本考核計畫沒有複評 (this program has no re-evaluation round)"
    return f"{name}初評等第不是{band}，不需複評 (not graded {rule.grade} in the first round)"


def _participant_ids(cycle: Cycle) -> set[int]:
    return set(cycle.participants.values_list("agency_id", flat=True))


@transaction.atomic
def assign(
    *,
    cycle: Cycle,
    reviewer: User,
    agency: Agency,
    actor,
    round: str = Round.FIRST,
    automatic: bool = False,
) -> Assignment:
    _frozen_check(cycle)
    member = cycle.panel.filter(user=reviewer).first()
    if member is None:
        raise ReviewError(f"{reviewer} 不是本年度考核委員 (not on this cycle's panel)")
    if agency.pk not in _participant_ids(cycle):
        raise ReviewError(f"{agency.name} 不是本年度受評機關 (not a participant)")
    if round == Round.RE_EVALUATION and agency.pk not in re_evaluated_agency_ids(cycle):
        raise ReviewError(_re_evaluation_refusal(cycle, f"{agency.name} "))
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
        cycle=cycle,
        reviewer=reviewer,
        agency=agency,
        round=round,
        defaults={"automatic": automatic},
    )
    if created:
        audit_record(
            actor=actor,
            action="reviewer_assigned",
            obj=assignment,
            agency_id=agency.pk,
            after={"reviewer": reviewer.pk, "round": round, "automatic": automatic},
        )
        tell_assigned(assignment)
    return assignment


@transaction.atomic
def unassign(*, assignment: Assignment, actor) -> None:
    _frozen_check(assignment.cycle)
    if Sheet.objects.filter(
        cycle=assignment.cycle,
        agency=assignment.agency,
        reviewer=assignment.reviewer,
        round=assignment.round,
        status=SheetStatus.SUBMITTED,
    ).exists():
        raise ReviewError(
            "此委員已送出評分表，請改用排除評分並說明理由 (a submitted sheet exists; exclude instead)"
        )
    audit_record(
        actor=actor,
        action="reviewer_unassigned",
        obj=assignment,
        agency_id=assignment.agency_id,
        before={"reviewer": assignment.reviewer_id, "round": assignment.round},
    )
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
                m
                for m in eligible(agency.pk)
                if m.user_id not in existing[agency.pk]
                and (caps[m.user_id] is None or load[m.user_id] < caps[m.user_id])
            ]
            if not choices:
                report.short.append((agency.name, per_agency - len(existing[agency.pk])))
                break
            pick = min(choices, key=lambda m: (load[m.user_id], m.user.username))
            existing[agency.pk].add(pick.user_id)
            load[pick.user_id] += 1
            new.append(
                Assignment(
                    cycle=cycle,
                    reviewer_id=pick.user_id,
                    agency=agency,
                    round=round,
                    automatic=True,
                )
            )
    Assignment.objects.bulk_create(new)
    tell_auto_assigned(cycle, new, round)
    report.created = len(new)
    audit_record(
        actor=actor,
        action="auto_assigned",
        obj=cycle,
        after={
            "round": round,
            "per_agency": per_agency,
            "cap": cap,
            "created": len(new),
            "short": report.short,
        },
    )
    return report
