"""Improvement items (HSC-12)."""

from datetime import date

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.selectors import agency_staff_by_agency, office_accounts
from serviceeval.agencies.models import Agency
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date
from serviceeval.cycles.models import Cycle, Participant
from serviceeval.notifications.enums import Kind as NoticeKind
from serviceeval.notifications.services import notify

from ..models import (
    Improvement,
    ImprovementEvidence,
    ImprovementStatus,
)
from ..rules import can_answer_improvement
from .base import ReviewError, spec_of
from .panel import _participant_ids, not_a_participant

# --- improvement items (HSC-12) -----------------------------------------------------


@transaction.atomic
def improvement_create(
    *,
    cycle: Cycle,
    agency: Agency,
    text: str,
    deadline: date,
    actor,
    criterion: str = "",
    today: date | None = None,
) -> Improvement:
    """HSC-12: an item for a participant, on a rubric code of its category (or
    none), due after `today` (the local date unless given: imports of past years)."""
    if not text.strip():
        raise ReviewError(_("Write the improvement item."))
    if agency.pk not in _participant_ids(cycle):
        raise ReviewError(not_a_participant(agency))
    if not isinstance(deadline, date):
        raise ReviewError(_("Give the deadline for the improvement."))
    if deadline <= (today or timezone.localdate()):
        raise ReviewError(
            _("The improvement deadline %(date)s must be after today.")
            % {"date": format_roc_date(deadline)}
        )
    criterion = criterion.strip()
    if criterion:
        category = Participant.objects.get(cycle=cycle, agency=agency).category
        codes = {n.code for n in spec_of(cycle).category(category).nodes()}
        if criterion not in codes:
            raise ReviewError(
                _("Criterion code “%(code)s” is not in the rubric of the category of %(agency)s.")
                % {"code": criterion, "agency": agency.name}
            )
    item = Improvement.objects.create(
        cycle=cycle,
        agency=agency,
        text=text.strip(),
        deadline=deadline,
        criterion=criterion.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="improvement_created",
        obj=item,
        after={"text": item.text, "deadline": deadline, "criterion": item.criterion},
    )
    notify(
        users=agency_staff_by_agency([agency.pk]).get(agency.pk, []),
        kind=NoticeKind.IMPROVEMENT_CREATED,
        key=f"improvement_created:{item.pk}",
        subject=_("%(agency)s: a new improvement item to answer by %(when)s")
        % {"agency": agency.name, "when": format_roc_date(deadline)},
        body=item.text,
        url=reverse("reviews:improvement", args=[item.pk]),
    )
    return item


@transaction.atomic
def improvement_respond(*, item: Improvement, response: str, files=(), actor) -> Improvement:
    if not can_answer_improvement(actor, item):
        raise ReviewError(_("Only the agency's own staff can answer its improvement item."))
    if item.status == ImprovementStatus.CLOSED:
        raise ReviewError(_("This item is closed."))
    if not response.strip():
        raise ReviewError(_("Describe what was done to improve."))
    before = {"status": item.status, "response": item.response}
    item.response = response.strip()
    item.responded_at = timezone.now()
    item.status = ImprovementStatus.ANSWERED
    item.save(update_fields=["response", "responded_at", "status"])
    names = []
    for f in files:
        ImprovementEvidence.objects.create(improvement=item, file=f, name=f.name, uploaded_by=actor)
        names.append(f.name)
    audit_record(
        actor=actor,
        action="improvement_answered",
        obj=item,
        before=before,
        after={"status": item.status, "response": item.response, "files": names},
    )
    notify(
        users=office_accounts(),
        kind=NoticeKind.IMPROVEMENT_ANSWERED,
        key=f"improvement_answered:{item.pk}:{item.responded_at:%Y%m%d%H%M%S%f}",
        subject=_("%(agency)s answered an improvement item") % {"agency": item.agency.name},
        body=item.response,
        url=reverse("reviews:improvement", args=[item.pk]),
    )
    return item


@transaction.atomic
def improvement_decide(*, item: Improvement, close: bool, note: str, actor) -> Improvement:
    """The office closes an answered item, or returns it for more work (with a note)."""
    if item.status == ImprovementStatus.CLOSED:
        raise ReviewError(_("This item is closed."))
    if not close and not note.strip():
        raise ReviewError(_("Returning an item needs a note with the reason."))
    before = {"status": item.status}
    item.status = ImprovementStatus.CLOSED if close else ImprovementStatus.RETURNED
    item.office_note = note.strip()
    item.closed_at = timezone.now() if close else None
    item.save(update_fields=["status", "office_note", "closed_at"])
    audit_record(
        actor=actor,
        action="improvement_closed" if close else "improvement_returned",
        obj=item,
        before=before,
        after={"status": item.status},
        reason=note,
    )
    if not close:
        notify(
            users=agency_staff_by_agency([item.agency_id]).get(item.agency_id, []),
            kind=NoticeKind.IMPROVEMENT_RETURNED,
            key=f"improvement_returned:{item.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
            subject=_("%(agency)s: an improvement item was returned for more work")
            % {"agency": item.agency.name},
            body=item.office_note,
            url=reverse("reviews:improvement", args=[item.pk]),
        )
    return item
