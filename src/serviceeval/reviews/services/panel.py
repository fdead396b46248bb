"""Panel, conflicts of interest and assignments (HSC-3)."""

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency
from serviceeval.core.audit import audit_record
from serviceeval.core.signals import RESULTS, announce_roster_inputs
from serviceeval.cycles.models import Cycle

from ..conflicts import AUTOMATIC_REASON, is_automatic_conflict
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
            _("%(username)s is not a reviewer account.") % {"username": user.username}
        )
    if role not in PanelRole.values:
        raise ReviewError(_("Unknown panel role “%(role)s”.") % {"role": role})
    if role in (PanelRole.CONVENER, PanelRole.DEPUTY_CONVENER):
        taken = cycle.panel.filter(role=role).exclude(user=user).first()
        if taken:
            raise ReviewError(
                _("This cycle already has a %(role)s: %(user)s.")
                % {"role": PanelRole(role).label, "user": taken.user}
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
            _(
                "%(reviewer)s has submitted score sheets and cannot leave the panel; exclude them from scoring instead."
            )
            % {"reviewer": member.user}
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


def automatic_conflicts_missing(cycle: Cycle, reviewer_ids=None) -> list[tuple[int, int]]:
    """(reviewer_id, agency_id) of the automatic conflicts not recorded yet: the
    reviewer belongs to the agency or to its parent, and no conflict (waived or not)
    of the pair is stored. Reads only (the automatic assignment's preview uses it)."""
    members = cycle.panel.filter(user__agency__isnull=False)
    if reviewer_ids is not None:
        members = members.filter(user_id__in=list(reviewer_ids))
    pairs = list(members.values_list("user_id", "user__agency_id"))
    if not pairs:
        return []
    participants = list(cycle.participants.values_list("agency_id", "agency__parent_id"))
    existing = set(cycle.conflicts.values_list("reviewer_id", "agency_id"))
    return [
        (user_id, agency_id)
        for user_id, home in pairs
        for agency_id, parent_id in participants
        if is_automatic_conflict(home, agency_id, parent_id)
        and (user_id, agency_id) not in existing
    ]


def conflicts_sync_automatic(*, cycle: Cycle, reviewer_ids=None) -> int:
    """Automatic conflicts: the reviewer belongs to the agency or to its parent."""
    missing = automatic_conflicts_missing(cycle, reviewer_ids)
    if not missing:
        return 0
    new = [
        Conflict(
            cycle=cycle,
            reviewer_id=user_id,
            agency_id=agency_id,
            source=ConflictSource.AUTOMATIC,
            # Stored as the conflict's reason (and shown as stored), not
            # a message made for the reader: kept as it is stored.
            reason=AUTOMATIC_REASON,
        )
        for user_id, agency_id in missing
    ]
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
        raise ReviewError(_("Give the reason for the conflict of interest."))
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
        raise ReviewError(_("A waiver needs a reason."))
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


def re_evaluated_band(cycle: Cycle) -> str | None:
    """The name of the band (丙等) a re-evaluation round is for; None when the
    program has no re-evaluation round."""
    rule = spec_of(cycle).re_evaluation
    if rule is None:
        return None
    return next((g.name for g in spec_of(cycle).grades if g.code == rule.grade), rule.grade)


def _re_evaluation_refusal(cycle: Cycle, agency: Agency) -> str:
    band = re_evaluated_band(cycle)
    if band is None:
        return _("This program has no re-evaluation round.")
    return _(
        "%(agency)s was not graded %(band)s in the first round and needs no re-evaluation."
    ) % {"agency": agency.name, "band": band}


def _participant_ids(cycle: Cycle) -> set[int]:
    return set(cycle.participants.values_list("agency_id", flat=True))


def not_a_participant(agency: Agency) -> str:
    return _("%(agency)s is not a participant of this cycle.") % {"agency": agency.name}


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
        raise ReviewError(
            _("%(reviewer)s is not on the panel of this cycle.") % {"reviewer": reviewer}
        )
    if agency.pk not in _participant_ids(cycle):
        raise ReviewError(not_a_participant(agency))
    if round == Round.RE_EVALUATION and agency.pk not in re_evaluated_agency_ids(cycle):
        raise ReviewError(_re_evaluation_refusal(cycle, agency))
    conflicts_sync_automatic(cycle=cycle, reviewer_ids=[reviewer.pk])
    if (reviewer.pk, agency.pk) in conflicted_pairs(cycle):
        raise ReviewError(
            _("%(reviewer)s has a conflict of interest with %(agency)s and cannot be assigned.")
            % {"reviewer": reviewer, "agency": agency.name}
        )
    if member.max_assignments is not None:
        load = (
            cycle.assignments.filter(reviewer=reviewer, round=round).exclude(agency=agency).count()
        )
        if load >= member.max_assignments:
            raise ReviewError(
                _("%(reviewer)s has reached the limit of %(cap)s assigned agencies.")
                % {"reviewer": reviewer, "cap": member.max_assignments}
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
            _(
                "This reviewer has submitted the score sheet; exclude them from scoring, with a reason, instead."
            )
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


class ProposalChanged(ReviewError):
    """The data changed between the preview of the automatic assignment and its
    confirmation: nothing was saved (issue 12 item 5)."""


@dataclass(frozen=True)
class AutoAssignProposal:
    """What `auto_assign` would create, computed without writing (issue 12 item 5).
    `pairs`: (agency_id, reviewer_id) of the new assignments, in the order made;
    `short`: (agency name, reviewers missing); `digest` names exactly this proposal
    and its parameters: the confirmation saves it only while the data still gives it."""

    round: str
    per_agency: int
    cap: int | None
    pairs: tuple[tuple[int, int], ...]
    short: tuple[tuple[str, int], ...]
    digest: str

    @property
    def created(self) -> int:
        return len(self.pairs)


def _auto_targets(cycle: Cycle, round: str) -> list[Agency]:
    if round == Round.FIRST:
        targets = cycle.participants.select_related("agency").order_by("agency__code")
        return [p.agency for p in targets]
    re_grade = spec_of(cycle).re_evaluation
    if re_grade is None:
        raise ReviewError(_("This program has no re-evaluation round."))
    due = {r.agency_id for r in compute_cycle(cycle) if r.grade == re_grade.grade}
    return list(Agency.objects.filter(pk__in=due).order_by("code"))


def _proposal(
    cycle: Cycle, *, per_agency: int, cap: int | None, round: str, pending_conflicts=()
) -> AutoAssignProposal:
    """Give every target agency at least `per_agency` reviewers, balancing the load:
    each slot goes to the eligible reviewer with the fewest agencies so far
    (ties by username), never over the reviewer's cap (theirs, or `cap`), never
    to a conflicted reviewer. Agencies with the fewest eligible reviewers go first.
    `pending_conflicts`: automatic conflicts not recorded yet, counted as recorded
    (and their assignments as removed), as `conflicts_sync_automatic` would."""
    _frozen_check(cycle)
    if per_agency < 1:
        raise ReviewError(_("Each agency needs at least 1 reviewer."))
    members = list(cycle.panel.select_related("user").order_by("user__username"))
    if not members:
        raise ReviewError(_("The panel has not been formed yet."))
    target_agencies = _auto_targets(cycle, round)
    pending = set(pending_conflicts)
    blocked = conflicted_pairs(cycle) | pending
    existing = defaultdict(set)
    load: dict[int, int] = defaultdict(int)
    for reviewer_id, agency_id in cycle.assignments.filter(round=round).values_list(
        "reviewer_id", "agency_id"
    ):
        if (reviewer_id, agency_id) in pending:
            continue
        existing[agency_id].add(reviewer_id)
        load[reviewer_id] += 1
    caps = {m.user_id: m.max_assignments if m.max_assignments is not None else cap for m in members}

    def eligible(agency_id):
        return [m for m in members if (m.user_id, agency_id) not in blocked]

    pairs: list[tuple[int, int]] = []
    short: list[tuple[str, int]] = []
    for agency in sorted(target_agencies, key=lambda a: (len(eligible(a.pk)), a.code)):
        while len(existing[agency.pk]) < per_agency:
            choices = [
                m
                for m in eligible(agency.pk)
                if m.user_id not in existing[agency.pk]
                and (caps[m.user_id] is None or load[m.user_id] < caps[m.user_id])
            ]
            if not choices:
                short.append((agency.name, per_agency - len(existing[agency.pk])))
                break
            pick = min(choices, key=lambda m: (load[m.user_id], m.user.username))
            existing[agency.pk].add(pick.user_id)
            load[pick.user_id] += 1
            pairs.append((agency.pk, pick.user_id))
    text = f"{cycle.pk}|{round}|{per_agency}|{cap}|" + ";".join(f"{a}:{r}" for a, r in pairs)
    return AutoAssignProposal(
        round=round,
        per_agency=per_agency,
        cap=cap,
        pairs=tuple(pairs),
        short=tuple(short),
        digest=hashlib.sha256(text.encode()).hexdigest(),
    )


def auto_assign_proposal(
    *, cycle: Cycle, per_agency: int, cap: int | None = None, round: str = Round.FIRST
) -> AutoAssignProposal:
    """The automatic assignment `auto_assign` would make now, without writing
    anything (not even the automatic conflicts it would record first): the preview
    of issue 12 item 5."""
    return _proposal(
        cycle,
        per_agency=per_agency,
        cap=cap,
        round=round,
        pending_conflicts=automatic_conflicts_missing(cycle),
    )


@transaction.atomic
def auto_assign(
    *,
    cycle: Cycle,
    actor,
    per_agency: int,
    cap: int | None = None,
    round: str = Round.FIRST,
    expected_digest: str | None = None,
) -> AutoAssignReport:
    """Record the automatic assignment (`_proposal`). With `expected_digest` (the
    preview's), save it only if the data still gives exactly that proposal, else
    raise ProposalChanged and write nothing."""
    _frozen_check(cycle)
    if per_agency < 1:
        raise ReviewError(_("Each agency needs at least 1 reviewer."))
    conflicts_sync_automatic(cycle=cycle)
    proposal = _proposal(cycle, per_agency=per_agency, cap=cap, round=round)
    if expected_digest is not None and proposal.digest != expected_digest:
        raise ProposalChanged(
            _(
                "The assignments, the panel or the conflicts changed since the preview; nothing was saved. Check the new preview and confirm again."
            )
        )
    agencies = Agency.objects.in_bulk({agency_id for agency_id, _r in proposal.pairs})
    new = [
        Assignment(
            cycle=cycle,
            reviewer_id=reviewer_id,
            agency=agencies[agency_id],
            round=round,
            automatic=True,
        )
        for agency_id, reviewer_id in proposal.pairs
    ]
    Assignment.objects.bulk_create(new)
    tell_auto_assigned(cycle, new, round)
    report = AutoAssignReport(created=len(new), short=list(proposal.short))
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
