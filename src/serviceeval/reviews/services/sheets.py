"""Score sheets, on-site visits, exclusions and tie-breaks (HSC-7, SPEC §3.3)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency
from serviceeval.core.audit import audit_record
from serviceeval.core.models import AuditEvent
from serviceeval.core.numbers import decimal_shape_problem
from serviceeval.core.roc import format_roc_date
from serviceeval.core.signals import RESULTS, announce_roster_inputs
from serviceeval.cycles.models import Cycle
from serviceeval.cycles.services import cycle_mark_scoring_started

from ..models import (
    Exclusion,
    PanelRole,
    Round,
    Score,
    Sheet,
    SheetStatus,
    SiteVisit,
    TieBreak,
)
from ..rules import can_score_agency
from ..selectors.progress import scoring_deadline
from .base import ReviewError, SheetInvalid, StaleSheet, _frozen_check, leaf_max, spec_of
from .notices import tell_reopened
from .results import compute_cycle

# --- sheets ----------------------------------------------------------------------------


def validate_score(raw, max_points: Decimal, step: Decimal) -> tuple[Decimal | None, str]:
    """(score, "") or (None, message). Empty input is (None, "")."""
    text = str(raw).strip() if raw is not None else ""
    if text == "":
        return None, ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, _("“%(text)s” is not a number") % {"text": text}
    if not value.is_finite():
        return None, _("“%(text)s” is not a number") % {"text": text}
    # Before any arithmetic: `value % step` or a format of 0E-999999999 would not end.
    problem = decimal_shape_problem(value, text)
    if problem:
        return None, problem
    if value < 0 or value > max_points:
        return None, _("Score %(score)s is outside 0–%(max)s") % {
            "score": text,
            "max": _fmt(max_points),
        }
    if value % step != 0:
        return None, _("Score %(score)s is not a multiple of %(step)s") % {
            "score": text,
            "step": _fmt(step),
        }
    return value, ""


def _fmt(d: Decimal | None) -> str:
    """A maximum or step exactly, trailing zeros dropped (a step may have more
    decimals than `format_points` shows)."""
    if d is None:
        return ""
    return format(Decimal(d).normalize(), "f")


def sheet_get_or_create(*, cycle: Cycle, agency: Agency, reviewer: User, round: str) -> Sheet:
    sheet, _created = Sheet.objects.get_or_create(
        cycle=cycle, agency=agency, reviewer=reviewer, round=round
    )
    return sheet


def sheet_locked_since(sheet: Sheet, now=None):
    """The scoring deadline (`scoring_due`) when it has passed and the convener has
    not reopened the sheet since; None while the sheet may be edited."""
    deadline = scoring_deadline(sheet.cycle)
    if deadline is None or (now or timezone.now()) <= deadline:
        return None
    reopened = AuditEvent.objects.filter(
        object_type="reviews.sheet",
        object_id=str(sheet.pk),
        action="sheet_reopened",
        at__gt=deadline,
    ).exists()
    return None if reopened else deadline


def _deadline_check(sheet: Sheet) -> None:
    deadline = sheet_locked_since(sheet)
    if deadline is not None:
        raise ReviewError(
            _(
                "The scoring deadline %(when)s has passed and the sheet is locked; ask the convener to reopen it."
            )
            % {"when": format_roc_date(deadline, with_time=True)}
        )


def sheet_validate(
    *, sheet: Sheet, values: dict[str, tuple[str, str]], submit: bool = False
) -> dict[str, tuple[Decimal | None, str]]:
    """The cleaned scores of `values`, or SheetInvalid naming every bad criterion
    (ReviewError when the sheet cannot be saved at all). Writes nothing: asked
    before the confirmation of a submission as well as by `sheet_save`."""
    cycle = sheet.cycle
    _frozen_check(cycle)
    if not can_score_agency(sheet.reviewer, sheet):
        raise ReviewError(
            _("You are not assigned to this agency, or you have a conflict of interest with it.")
        )
    _deadline_check(sheet)
    spec = spec_of(cycle)
    category = cycle.participants.get(agency_id=sheet.agency_id).category
    maxima = leaf_max(spec, category)
    errors: dict[str, str] = {}
    cleaned: dict[str, tuple[Decimal | None, str]] = {}
    for code, (raw, comment) in values.items():
        if code not in maxima:
            errors[code] = _("Criterion “%(code)s” does not exist") % {"code": code}
            continue
        value, problem = validate_score(raw, maxima[code], spec.scoring.step)
        if problem:
            errors[code] = problem
        cleaned[code] = (value, (comment or "").strip())
    if submit:
        for code in maxima:
            if cleaned.get(code, (None, ""))[0] is None and code not in errors:
                errors[code] = _("A score is required before submitting")
    if errors:
        raise SheetInvalid(errors)
    return cleaned


def sheet_save(
    *, sheet: Sheet, values: dict[str, tuple[str, str]], version: int, actor, submit: bool = False
) -> Sheet:
    """Save a draft (or submit). `values` = {criterion code: (raw score, comment)}.

    Refused when the results are frozen, when the sheet is submitted, when the
    reviewer may no longer score it, and (StaleSheet) when `version` is not the
    sheet's current version: a concurrent save is never silently overwritten."""
    cycle = sheet.cycle
    cleaned = sheet_validate(sheet=sheet, values=values, submit=submit)
    with transaction.atomic():
        current = Sheet.objects.select_for_update().get(pk=sheet.pk)
        if current.status == SheetStatus.SUBMITTED:
            raise ReviewError(
                _("The sheet is submitted; only the convener can reopen it for changes.")
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
            actor=actor,
            action="sheet_submitted" if submit else "sheet_saved",
            obj=current,
            before={"scores": before},
            after={"version": current.version, "scores": after},
        )
        if submit:
            announce_roster_inputs(cycle, RESULTS)
    cycle_mark_scoring_started(cycle=cycle)
    return current


def _changes_since(sheet: Sheet, version: int) -> list[dict]:
    """What other saves changed after `version`, from the audit trail."""
    events = AuditEvent.objects.filter(
        object_type="reviews.sheet",
        object_id=str(sheet.pk),
        action__in=["sheet_saved", "sheet_submitted", "sheet_reopened"],
    ).order_by("at", "id")
    changes = []
    for event in events:
        if int(event.after.get("version", 0)) <= version:
            continue
        for code, (score, comment) in sorted((event.after.get("scores") or {}).items()):
            changes.append(
                {
                    "criterion": code,
                    "score": score,
                    "comment": comment,
                    "by": event.actor_label,
                    "at": event.at,
                }
            )
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
        raise ReviewError(_("Only the convener or the deputy convener can reopen a score sheet."))
    if not reason.strip():
        raise ReviewError(_("Reopening a sheet needs a reason."))
    if sheet.status != SheetStatus.SUBMITTED and sheet_locked_since(sheet) is None:
        raise ReviewError(_("The sheet is not submitted."))
    was = sheet.status
    Sheet.objects.filter(pk=sheet.pk).update(
        status=SheetStatus.DRAFT, submitted_at=None, version=F("version") + 1
    )
    sheet.refresh_from_db()
    audit_record(
        actor=actor,
        action="sheet_reopened",
        obj=sheet,
        agency_id=sheet.agency_id,
        before={"status": was},
        after={"status": "draft", "version": sheet.version},
        reason=reason,
    )
    announce_roster_inputs(sheet.cycle, RESULTS)
    tell_reopened(sheet, reason.strip())
    return sheet


@transaction.atomic
def visit_record(
    *, cycle: Cycle, agency: Agency, on: date, members, notes: str, actor
) -> SiteVisit:
    visit = SiteVisit.objects.create(
        cycle=cycle, agency=agency, date=on, notes=notes.strip(), created_by=actor
    )
    visit.members.set(members)
    audit_record(
        actor=actor,
        action="site_visit_recorded",
        obj=visit,
        agency_id=agency.pk,
        after={"date": on, "members": [m.pk for m in members]},
    )
    return visit


# --- exclusions and tie-breaks -----------------------------------------------------


@transaction.atomic
def exclusion_add(
    *, cycle: Cycle, agency: Agency, reviewer: User, reason: str, actor, round: str = Round.FIRST
) -> Exclusion:
    _frozen_check(cycle)
    if not reason.strip():
        raise ReviewError(_("Excluding a reviewer from scoring needs a reason."))
    if not cycle.assignments.filter(agency=agency, reviewer=reviewer, round=round).exists():
        raise ReviewError(
            _("%(reviewer)s is not assigned to %(agency)s.")
            % {"reviewer": reviewer, "agency": agency.name}
        )
    exclusion, _created = Exclusion.objects.update_or_create(
        cycle=cycle,
        agency=agency,
        reviewer=reviewer,
        round=round,
        defaults={"reason": reason.strip(), "created_by": actor},
    )
    audit_record(
        actor=actor,
        action="reviewer_excluded",
        obj=exclusion,
        agency_id=agency.pk,
        after={"reviewer": reviewer.pk, "round": round},
        reason=reason,
    )
    announce_roster_inputs(cycle, RESULTS)
    return exclusion


@transaction.atomic
def tie_break_record(*, cycle: Cycle, agency_ids: list[int], reason: str, actor) -> None:
    """Order tied agencies (first = better rank), with a reason (SPEC §3.3)."""
    _frozen_check(cycle)
    if not reason.strip():
        raise ReviewError(_("Ordering tied agencies needs a reason."))
    results = {r.agency_id: r for r in compute_cycle(cycle)}
    chosen = [results.get(a) for a in agency_ids]
    if len(agency_ids) < 2 or any(r is None or r.total is None for r in chosen):
        raise ReviewError(_("Choose two or more agencies whose scoring is complete."))
    if len({(r.group, r.total) for r in chosen}) != 1:
        raise ReviewError(_("The chosen agencies are not tied in the same group."))
    TieBreak.objects.filter(cycle=cycle, agency_id__in=agency_ids).delete()
    TieBreak.objects.bulk_create(
        TieBreak(cycle=cycle, agency_id=a, position=i, reason=reason.strip(), created_by=actor)
        for i, a in enumerate(agency_ids)
    )
    audit_record(
        actor=actor,
        action="tie_break_recorded",
        obj=cycle,
        after={"order": agency_ids},
        reason=reason,
    )
    announce_roster_inputs(cycle, RESULTS)
