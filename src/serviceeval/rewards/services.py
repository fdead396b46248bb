"""Writes of the rewards app: the roster (敘獎名冊) and the national award pipeline.

* `roster_refresh` recomputes the computed entries from the program's reward rules
  (results, field tests, national-award statuses), keeps the office's manual entries,
  writes only when something changed and audits the change;
* while the cycle's results are published the computed entries are frozen: no
  recompute, except the decisions that come after the national result (HSC-13
  entries follow the award statuses); the office's own entries (HSC-11 other
  deserving staff, HSC-14, CITY-14) stay open to add, edit and remove, audited;
* publishing the results computes the roster once and freezes it; unfreezing the
  results unfreezes it (`on_cycle_saved`, connected in `apps.py`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_agency_staff
from serviceeval.agencies.enums import ROSTER_ROLES, AgencyKind, PersonRole
from serviceeval.agencies.models import Agency, Person
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date
from serviceeval.core.signals import FIELD_TESTS, PEOPLE, RESULTS
from serviceeval.cycles.models import Cycle
from serviceeval.engine import rewards as engine
from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
from serviceeval.fieldtests.selectors import averages
from serviceeval.reviews.selectors import results_for_cycle

from .models import (
    AwardStatus,
    MaterialReuse,
    Nomination,
    NominationSource,
    NominationStep,
    PublicCommendation,
    RewardEntry,
    RewardKind,
    RosterState,
    TrainingAttendance,
)
from .rules import can_propose_nomination
from .selectors import panel_reviews, roster_filtered

log = logging.getLogger(__name__)

FIELD_KINDS = ("average_threshold", "top_n")
# Rules fed by the reviews app's results: the roster page recomputes these when opened
# (field tests and nominations recompute their own rules when they change).
RESULT_KINDS = ("grade_rank",)
AWARD_KINDS = ("milestone_highest",)
# Rules filed by the office (free-form entries on the same roster): HSC-14 the
# organizing office and the panel, HSC-11 other deserving staff (其他有功人員),
# CITY-14 after the national result. They stay open after publication (normally
# they are filed then); only the computed entries freeze with the results.
MANUAL_RULES = {"HSC": ("HSC-14", "HSC-11"), "CITY": ("CITY-14",)}
FINAL_STATUSES = (AwardStatus.WON, AwardStatus.NOT_WON)

# Allowed national-award status changes (CITY-10, HSC-13).
NEXT = {
    AwardStatus.PROPOSED: (AwardStatus.RECOMMENDED, AwardStatus.NOT_RECOMMENDED),
    AwardStatus.RECOMMENDED: (AwardStatus.PASSED_INITIAL, AwardStatus.NOT_WON),
    AwardStatus.PASSED_INITIAL: (AwardStatus.SHORTLISTED, AwardStatus.WON, AwardStatus.NOT_WON),
    AwardStatus.SHORTLISTED: (AwardStatus.WON, AwardStatus.NOT_WON),
    AwardStatus.NOT_RECOMMENDED: (),
    AwardStatus.WON: (),
    AwardStatus.NOT_WON: (),
}


class RewardError(Exception):
    """A refused change; `str(exc)` is the message for the user, in the active language."""


# --- roster ------------------------------------------------------------------------------


def manual_rules(cycle) -> tuple[str, ...]:
    prefix = cycle.program.spec.rule_prefix
    return MANUAL_RULES.get(prefix, MANUAL_RULES["HSC"] + MANUAL_RULES["CITY"])


def _people(cycle, agency_ids) -> dict[int, list[tuple[str, str]]]:
    """Roster roles per agency: the cycle's copy, else the standing roster (one query)."""
    rows = Person.objects.filter(
        Q(cycle=cycle) | Q(cycle__isnull=True),
        agency_id__in=list(agency_ids),
        role__in=list(ROSTER_ROLES),
    )
    own: dict[int, list] = {}
    standing: dict[int, list] = {}
    for agency_id, cycle_id, role, name in rows.order_by("agency_id", "role", "name").values_list(
        "agency_id", "cycle_id", "role", "name"
    ):
        (own if cycle_id else standing).setdefault(agency_id, []).append((role, name))
    return {a: own.get(a) or standing.get(a, []) for a in agency_ids}


def _tested_staff(cycle) -> dict[str, dict[int, list[str]]]:
    out: dict[str, dict[int, list[str]]] = {"phone": {}, "mystery": {}}
    for source, model in (("phone", PhoneTest), ("mystery", MysteryVisit)):
        pairs = (
            model.objects.filter(cycle=cycle, tested_staff__isnull=False)
            .values_list("agency_id", "tested_staff__name")
            .distinct()
            .order_by("agency_id", "tested_staff__name")
        )
        for agency_id, name in pairs:
            out[source].setdefault(agency_id, []).append(name)
    return out


def roster_input(cycle, kinds=None) -> engine.RosterInput:
    """The facts the rules need, loaded only for the rule kinds that run."""
    spec = cycle.program.spec
    run = set(kinds) if kinds else {r.kind for r in spec.reward_rules}
    data = engine.RosterInput()
    if "grade_rank" in run:
        names = {g.code: g.name for g in spec.grades}
        data.results = [
            engine.ResultFact(
                r.agency_id,
                r.status,
                r.total,
                r.grade,
                r.final_grade,
                r.rank,
                names.get(r.final_grade or r.grade or "", ""),
            )
            for r in results_for_cycle(cycle)
        ]
    if run & set(FIELD_KINDS):
        data.averages = averages(cycle)
        data.tested_staff = _tested_staff(cycle)
    if "milestone_highest" in run:
        # HSC-13 is granted after the national result: only finished nominations count.
        data.award_statuses = dict(
            Nomination.objects.filter(cycle=cycle, status__in=FINAL_STATUSES)
            .exclude(highest="")
            .values_list("agency_id", "highest")
        )
    ids = {r.agency_id for r in data.results}
    for by_agency in data.averages.values():
        ids |= set(by_agency)
    ids |= set(data.award_statuses)
    data.people = _people(cycle, ids)
    data.order = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "code"))
    return data


def _signature(e) -> tuple:
    return (e.person, e.role, e.agency_id, e.kind, e.count, e.rule, e.reason, e.public_commendation)


def state_of(cycle) -> RosterState:
    state, _ = RosterState.objects.get_or_create(cycle=cycle)
    return state


def is_frozen(cycle) -> bool:
    return RosterState.objects.filter(cycle=cycle, frozen_at__isnull=False).exists()


def roster_refresh(*, cycle, actor, kinds=None, force: bool = False) -> bool:
    """Recompute the computed entries of the rules of `kinds` (all when None).
    Refused silently (False) while frozen, except the national-award kinds or `force`.
    Returns True when the roster changed."""
    rules = [r for r in cycle.program.spec.reward_rules if kinds is None or r.kind in kinds]
    if kinds is not None and not rules:
        # The program has no rule of these kinds: no transaction (on SQLite a write
        # transaction takes the database's write lock, on every view of the roster).
        return False
    return _roster_refresh(cycle=cycle, actor=actor, kinds=kinds, force=force, rules=rules)


@transaction.atomic
def _roster_refresh(*, cycle, actor, kinds, force, rules) -> bool:
    state = state_of(cycle)
    state = RosterState.objects.select_for_update().get(pk=state.pk)
    late_only = kinds is not None and set(kinds) <= set(AWARD_KINDS)
    if state.frozen_at is not None and not force and not late_only:
        return False
    roster = engine.compute_roster(rules, roster_input(cycle, kinds), kinds=kinds)
    rule_ids = [r.rule for r in rules]
    old = RewardEntry.objects.filter(cycle=cycle, manual=False)
    old_pc = PublicCommendation.objects.filter(cycle=cycle)
    if kinds is not None:
        old = old.filter(rule__in=rule_ids)
        old_pc = old_pc.filter(rule__in=rule_ids)
    before = [_signature(e) for e in old.order_by("position", "id")]
    # Positions follow the program's rule order, so a partial recompute (HSC-13 only)
    # keeps its entries in their place among the others.
    order = {r.rule: i for i, r in enumerate(cycle.program.spec.reward_rules)}
    new = [
        RewardEntry(
            cycle=cycle,
            person=e.person,
            role=e.role,
            agency_id=e.agency_id,
            kind=e.kind,
            count=e.count,
            rule=e.rule,
            reason=e.reason,
            facts=e.facts,
            public_commendation=e.public_commendation,
            position=order[e.rule] * 100_000 + i,
        )
        for i, e in enumerate(roster.entries)
    ]
    after = [_signature(e) for e in new]
    pcs_before = list(old_pc.order_by("position").values_list("agency_id", "rule", "reason"))
    pcs_after = [(c.agency_id, c.rule, c.reason) for c in roster.commendations]
    state.computed_at = timezone.now()
    state.save(update_fields=["computed_at"])
    if before == after and pcs_before == pcs_after:
        return False
    old.delete()
    old_pc.delete()
    RewardEntry.objects.bulk_create(new, batch_size=1000)
    PublicCommendation.objects.bulk_create(
        [
            PublicCommendation(
                cycle=cycle, agency_id=a, rule=r, reason=t, position=order[r] * 100_000 + i
            )
            for i, (a, r, t) in enumerate(pcs_after)
        ],
        batch_size=1000,
    )
    removed = sorted(set(before) - set(after))
    added = sorted(set(after) - set(before))
    audit_record(
        actor=actor,
        action="roster_recomputed",
        obj=state,
        before={"removed": [list(s) for s in removed[:500]], "count": len(before)},
        after={"added": [list(s) for s in added[:500]], "count": len(after), "rules": rule_ids},
    )
    return True


ROSTER_KINDS_OF_INPUTS = {RESULTS: RESULT_KINDS, FIELD_TESTS: FIELD_KINDS, PEOPLE: None}


def on_roster_inputs_changed(sender, cycle, inputs, **kwargs) -> None:
    """A write changed facts the roster is computed from (`core.signals`): recompute
    the rules fed by them, in the writer's transaction. Reading never writes."""
    roster_refresh(cycle=cycle, actor=None, kinds=ROSTER_KINDS_OF_INPUTS[inputs])


def on_cycle_saved(sender, instance, update_fields=None, **kwargs):
    """Publishing the results computes the roster once and freezes it; unfreezing the
    results unfreezes it (HSC-11: the roster is frozen with the results)."""
    if update_fields is not None and "results_published_at" not in update_fields:
        return
    if kwargs.get("raw"):  # loading a fixture or a backup: rows come as they were
        return
    state = state_of(instance)
    if instance.results_published_at is not None and state.frozen_at is None:
        try:
            with transaction.atomic():
                roster_refresh(cycle=instance, actor=None, force=True)
        except Exception:  # never block the publication itself
            log.exception("roster computation failed for cycle %s", instance.year)
        state.frozen_at = instance.results_published_at
        state.save(update_fields=["frozen_at"])
        audit_record(
            actor=None, action="roster_frozen", obj=state, after={"frozen_at": state.frozen_at}
        )
    elif state.frozen_at is not None:
        audit_record(
            actor=None, action="roster_unfrozen", obj=state, before={"frozen_at": state.frozen_at}
        )
        state.frozen_at = None
        state.save(update_fields=["frozen_at"])


@transaction.atomic
def entry_add(
    *, cycle, person: str, role: str, agency, kind: str, count: int, rule: str, reason: str, actor
) -> RewardEntry:
    """HSC-11 (other deserving staff), HSC-14 / CITY-14: a free-form entry by the
    office, before or after publication."""
    person = (person or "").strip()
    _check_entry(cycle, person=person, kind=kind, count=count, rule=rule)
    position = (
        RewardEntry.objects.filter(cycle=cycle, manual=True)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    entry = RewardEntry.objects.create(
        cycle=cycle,
        person=person,
        role=role.strip(),
        agency=agency,
        kind=kind,
        count=count,
        rule=rule,
        reason=reason.strip(),
        manual=True,
        created_by=actor,
        position=(position or 0) + 1,
    )
    audit_record(actor=actor, action="reward_entry_added", obj=entry, after=_entry_fields(entry))
    return entry


def _check_entry(cycle, *, person: str, kind: str, count, rule: str) -> None:
    if not person:
        raise RewardError(_("Enter the name."))
    if kind not in RewardKind.values:
        raise RewardError(_("The reward kind “%(kind)s” is not valid.") % {"kind": kind})
    if not isinstance(count, int) or count < 1 or count > 9:
        raise RewardError(_("The count must be from 1 to 9."))
    if rule not in manual_rules(cycle):
        raise RewardError(
            _("Entries under rule “%(rule)s” cannot be added by hand.") % {"rule": rule}
        )


@transaction.atomic
def entry_edit(
    *,
    entry: RewardEntry,
    person: str,
    role: str,
    agency,
    kind: str,
    count: int,
    rule: str,
    reason: str,
    actor,
) -> RewardEntry:
    """Change one of the office's own entries (also after publication); audited with
    the fields before and after. Computed entries are never edited."""
    if not entry.manual:
        raise RewardError(_("Computed roster entries cannot be edited."))
    person = (person or "").strip()
    _check_entry(entry.cycle, person=person, kind=kind, count=count, rule=rule)
    before = _entry_fields(entry)
    entry.person, entry.role, entry.agency = person, role.strip(), agency
    entry.kind, entry.count, entry.rule, entry.reason = kind, count, rule, reason.strip()
    after = _entry_fields(entry)
    if after != before:
        entry.save()
        audit_record(
            actor=actor, action="reward_entry_edited", obj=entry, before=before, after=after
        )
    return entry


def _entry_fields(entry) -> dict:
    return {
        "person": entry.person,
        "role": entry.role,
        "agency": entry.agency_id,
        "kind": entry.kind,
        "count": entry.count,
        "rule": entry.rule,
        "reason": entry.reason,
    }


@transaction.atomic
def entry_delete(*, entry: RewardEntry, actor, reason: str = "") -> None:
    if not entry.manual:
        raise RewardError(_("Computed roster entries cannot be deleted."))
    audit_record(
        actor=actor,
        action="reward_entry_deleted",
        obj=entry,
        before=_entry_fields(entry),
        reason=reason,
    )
    entry.delete()


def roster_entries(cycle, listing=None):
    """The cycle's roster in its order; with a `Listing` (issue 12 item 4) only the
    lines it asks for, in its order (selectors.roster_filtered)."""
    qs = (
        RewardEntry.objects.filter(cycle=cycle)
        .select_related("agency", "created_by")
        .order_by("manual", "position", "id")
    )
    return roster_filtered(qs, listing)


def roster_json(cycle) -> list[dict]:
    """The `rewards --json` objects: issue 5's fields as named, then the reward in
    words (嘉獎, 記小功, ...) and whether it is a public commendation."""
    from django.utils import translation

    with translation.override("zh-hant"):
        kind_names = {k: str(label) for k, label in RewardKind.choices}
        role_names = {k: str(label) for k, label in PersonRole.choices}
    return [
        {
            "person": e.person,
            "role": e.role,
            "agency": e.agency.code if e.agency else "",
            "kind": e.kind,
            "count": e.count,
            "rule": e.rule,
            "reason": e.reason,
            "kind_name": kind_names.get(e.kind, e.kind),
            "role_name": role_names.get(e.role, e.role),
            "public_commendation": e.public_commendation,
        }
        for e in roster_entries(cycle)
    ]


# --- national award (CITY-10, CITY-11, CITY-15, HSC-13) -----------------------------------


def _subordinate_proposals(cycle, parent_id) -> int:
    return Nomination.objects.filter(
        cycle=cycle, agency__parent_id=parent_id, source=NominationSource.FIRST_LEVEL
    ).count()


@transaction.atomic
def nomination_propose(*, cycle, agency, actor, note: str = "") -> Nomination:
    """CITY-10: a first-level agency proposes up to the program's `preselection.max`
    (2) of its subordinate agencies; the office preselects district offices (and may
    add any agency)."""
    if Nomination.objects.filter(cycle=cycle, agency=agency).exists():
        raise RewardError(_("%(agency)s is already nominated.") % {"agency": agency.name})
    if not cycle.participants.filter(agency=agency).exists():
        raise RewardError(
            _("%(agency)s is not evaluated this year and cannot be nominated.")
            % {"agency": agency.name}
        )
    if not can_propose_nomination(actor, agency):
        if is_agency_staff(actor):
            raise RewardError(
                _("You can nominate only the subordinate agencies of your own agency.")
            )
        raise RewardError(_("You are not allowed to nominate."))
    source = (
        NominationSource.FIRST_LEVEL
        if agency.kind == AgencyKind.SUBORDINATE and agency.parent_id
        else NominationSource.OFFICE
    )
    if source == NominationSource.FIRST_LEVEL:
        Agency.objects.select_for_update().filter(pk=agency.parent_id).first()
        most = cycle.program.spec.preselection.max
        if _subordinate_proposals(cycle, agency.parent_id) >= most:
            raise RewardError(
                _("Each first-level agency can nominate at most %(most)s subordinate agencies.")
                % {"most": most}
            )
    nomination = Nomination.objects.create(
        cycle=cycle, agency=agency, source=source, proposed_by=actor, note=note.strip()
    )
    audit_record(
        actor=actor,
        action="nomination_proposed",
        obj=nomination,
        after={"agency": agency.pk, "source": source},
    )
    return nomination


@transaction.atomic
def nomination_withdraw(*, nomination: Nomination, actor) -> None:
    if nomination.status != AwardStatus.PROPOSED:
        raise RewardError(_("The review has begun; the nomination can no longer be withdrawn."))
    audit_record(
        actor=actor,
        action="nomination_withdrawn",
        obj=nomination,
        before={"agency": nomination.agency_id, "source": nomination.source},
    )
    nomination.delete()


@transaction.atomic
def nomination_step(*, nomination: Nomination, status: str, on: date, actor, note: str = ""):
    """Move a nomination along recommended → passed initial → shortlisted → won / not won."""
    nomination = Nomination.objects.select_for_update().get(pk=nomination.pk)
    allowed = NEXT.get(nomination.status, ())
    if status not in allowed:
        names = dict(AwardStatus.choices)
        raise RewardError(
            _("The status cannot change from “%(current)s” to “%(new)s”.")
            % {"current": names[nomination.status], "new": names.get(status, status)}
        )
    if not isinstance(on, date):
        raise RewardError(_("Enter the date."))
    last = nomination.steps.order_by("-on").values_list("on", flat=True).first()
    if last is not None and on < last:
        raise RewardError(
            _("The date %(date)s is before the date of the previous step, %(last)s.")
            % {"date": format_roc_date(on), "last": format_roc_date(last)}
        )
    if status == AwardStatus.RECOMMENDED:
        review = panel_reviews(nomination.cycle, [nomination.agency_id])[nomination.agency_id]
        if review.status != "complete":
            # CITY-10: the written review is recorded first.
            raise RewardError(
                _(
                    "The written review of %(agency)s is not complete yet; the status cannot change to “%(status)s”."
                )
                % {"agency": nomination.agency.name, "status": AwardStatus.RECOMMENDED.label}
            )
    before = {"status": nomination.status, "highest": nomination.highest}
    NominationStep.objects.create(
        nomination=nomination, status=status, on=on, note=note.strip(), recorded_by=actor
    )
    nomination.status = status
    if engine.status_position(status) > engine.status_position(nomination.highest or None):
        nomination.highest = status
    nomination.save(update_fields=["status", "highest"])
    audit_record(
        actor=actor,
        action="nomination_status",
        obj=nomination,
        before=before,
        after={"status": status, "highest": nomination.highest, "on": on},
        reason=note,
    )
    roster_refresh(cycle=nomination.cycle, actor=actor, kinds=AWARD_KINDS)
    return nomination


@transaction.atomic
def attendance_add(*, nomination, session: str, on: date, attendee: str, attended: bool, actor):
    """CITY-11: coaching/training attendance."""
    if not session.strip():
        raise RewardError(_("Enter the name of the session."))
    row = TrainingAttendance.objects.create(
        nomination=nomination,
        session=session.strip(),
        on=on,
        attendee=attendee.strip(),
        attended=attended,
    )
    audit_record(
        actor=actor,
        action="training_attendance",
        obj=nomination,
        after={"session": row.session, "on": on, "attendee": row.attendee, "attended": attended},
    )
    return row


@transaction.atomic
def nominations_enter_first_level(*, cycle, actor) -> list[Nomination]:
    """CITY-10: the first-level agencies taking part in the cycle enter the city's
    written review and on-site evaluation in their own right, beside the preselected
    subordinate agencies and district offices. Idempotent."""
    taken = Nomination.objects.filter(cycle=cycle).values("agency_id")
    agencies = (
        Agency.objects.filter(kind=AgencyKind.FIRST_LEVEL, participations__cycle=cycle)
        .exclude(pk__in=taken)
        .order_by("code")
    )
    created = [
        Nomination.objects.create(
            cycle=cycle, agency=a, source=NominationSource.SELF, proposed_by=actor
        )
        for a in agencies
    ]
    for n in created:
        audit_record(
            actor=actor,
            action="nomination_proposed",
            obj=n,
            after={"agency": n.agency_id, "source": n.source},
        )
    return created


@transaction.atomic
def material_reuse_add(*, nomination, what: str, on: date, actor) -> MaterialReuse:
    """CITY-11: record where the office reused the agency's award material."""
    what = (what or "").strip()
    if not what:
        raise RewardError(_("Enter where the material was reused."))
    row = MaterialReuse.objects.create(
        nomination=nomination, what=what[:200], on=on, recorded_by=actor
    )
    audit_record(
        actor=actor,
        action="material_reused",
        obj=nomination,
        after={"what": row.what, "on": on},
    )
    return row


@transaction.atomic
def consent_set(*, nomination, consent: bool, actor) -> Nomination:
    """CITY-11: consent to reuse the agency's materials for training."""
    before = {"consent_reuse": nomination.consent_reuse}
    nomination.consent_reuse = consent
    nomination.consent_on = timezone.localdate() if consent else None
    nomination.save(update_fields=["consent_reuse", "consent_on"])
    audit_record(
        actor=actor,
        action="nomination_consent",
        obj=nomination,
        before=before,
        after={"consent_reuse": consent},
    )
    return nomination


@dataclass
class SubsidyRow:
    nomination: Nomination
    amount: Decimal


def subsidy_rule(cycle):
    return next((r for r in cycle.program.spec.reward_rules if r.kind == "subsidy"), None)


def subsidies(cycle, nominations) -> tuple[list[SubsidyRow], Decimal]:
    """CITY-15: NT$ per nomination from the program's subsidy rule, and the year's total."""
    rule = subsidy_rule(cycle)
    rows = [
        SubsidyRow(n, engine.subsidy(rule.params, n.highest or None) if rule else Decimal(0))
        for n in nominations
    ]
    return rows, sum((r.amount for r in rows), Decimal(0))


def subsidy_totals() -> list[tuple[int, Decimal]]:
    """CITY-15: total subsidy per cycle year, every year with nominations."""
    out = []
    for cycle in (
        Cycle.objects.select_related("program").filter(nominations__isnull=False).distinct()
    ):
        _rows, total = subsidies(cycle, cycle.nominations.all())
        out.append((cycle.year, total))
    return out
