"""Writes of the submissions app: every transition in one transaction, with a
SubmissionEvent (shown on the page) and an audit record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.models import User
from serviceeval.accounts.rules import AGENCY_ROLES
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date
from serviceeval.programs.models import RubricNode

from . import rules
from .enums import (
    DEADLINE_MILESTONE,
    METRICS,
    PLAN_SECTIONS,
    PROJECT_SECTIONS,
    SURVEY_SECTIONS,
    EventKind,
    EvidenceKind,
    Kind,
    State,
)
from .models import Evidence, MetricValue, Reopen, ReportEntry, Submission, SubmissionEvent
from .tasks import check_evidence_link

EDITABLE = (State.DRAFT, State.APPROVED, State.RETURNED)


class SubmissionError(Exception):
    """A refused action; `str(exc)` is the zh-Hant message for the user."""


class SubmissionLocked(SubmissionError):
    pass


class Incomplete(SubmissionError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(_("The submission is not complete yet.") + " " + "；".join(problems))


class StaleSubmission(SubmissionError):
    def __init__(self, changed: list[str], version: int):
        self.changed = changed
        self.version = version
        super().__init__(_("Someone else saved this submission after you opened it."))


# --- deadlines and locking --------------------------------------------------


def milestone_deadline(cycle, kind: str) -> datetime | None:
    code = DEADLINE_MILESTONE[Kind(kind)]
    m = next((m for m in cycle.milestones.all() if m.code == code), None)
    return m.at if m else None


def latest_reopen(cycle, agency, kind: str) -> Reopen | None:
    return (
        Reopen.objects.filter(cycle=cycle, agency=agency, kind=kind).order_by("-at", "-id").first()
    )


def effective_deadline(cycle, agency, kind: str) -> tuple[datetime | None, Reopen | None]:
    """The agency's deadline for this kind: the latest reopen, else the milestone."""
    reopen = latest_reopen(cycle, agency, kind)
    if reopen is not None:
        return reopen.deadline, reopen
    return milestone_deadline(cycle, kind), None


def is_locked(deadline: datetime | None, now: datetime | None = None) -> bool:
    return deadline is not None and (now or timezone.now()) > deadline


def _check_open(submission: Submission, now=None) -> None:
    deadline, _reopen = effective_deadline(submission.cycle, submission.agency, submission.kind)
    if is_locked(deadline, now):
        raise SubmissionLocked(
            _(
                "The deadline (%(deadline)s) has passed: the submission is locked. Ask the program office to reopen it."
            )
            % {"deadline": format_roc_date(deadline, with_time=True)}
        )


# --- content ----------------------------------------------------------------


def leaves_for(cycle, category: str):
    return list(
        RubricNode.objects.filter(
            program_id=cycle.program_id, category=category, leaf=True
        ).order_by("position")
    )


def section_codes(kind: str, category: str) -> list[tuple[str, str]]:
    if kind == Kind.PLAN:
        return list(PLAN_SECTIONS)
    codes = list(SURVEY_SECTIONS) if category == "overall" else []
    if category == "project":
        codes += list(PROJECT_SECTIONS)
    return codes


def submission_discard_unsaved(*, submission: Submission) -> None:
    """Remove a submission row made for a first save that was then refused (version
    0, nothing saved), so no empty row is left behind."""
    Submission.objects.filter(pk=submission.pk, version=0).delete()


def submission_get_or_create(*, cycle, agency, kind: str, category: str) -> Submission:
    submission, _created = Submission.objects.get_or_create(
        cycle=cycle, agency=agency, kind=kind, defaults={"category": category}
    )
    return submission


@dataclass
class EntryInput:
    narrative: str = ""
    self_score: Decimal | None = None
    not_applicable: bool = False
    na_reason: str = ""
    planned: bool = False
    little_room: bool = False

    def values(self) -> tuple:
        return (
            self.narrative,
            self.self_score,
            self.not_applicable,
            self.na_reason,
            self.planned,
            self.little_room,
        )


@dataclass
class SaveInput:
    sections: dict[str, str] = field(default_factory=dict)
    entries: dict[str, EntryInput] = field(default_factory=dict)
    metrics: dict[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=dict)
    files: list[tuple[str, object]] = field(default_factory=list)  # (criterion code, upload)
    urls: list[tuple[str, str, str]] = field(default_factory=list)  # (criterion code, url, name)


def _entry_values(e: ReportEntry) -> tuple:
    return (e.narrative, e.self_score, e.not_applicable, e.na_reason, e.planned, e.little_room)


def _norm_decimal(v):
    return None if v is None else Decimal(v).quantize(Decimal("0.01"))


def changes_since(submission: Submission, version: int) -> list[str]:
    """Keys changed by saves after `version` (e.g. `entry:1.1.1.1`, `section:cover`)."""
    keys: list[str] = []
    for changed in SubmissionEvent.objects.filter(
        submission=submission, version__gt=version
    ).values_list("changed", flat=True):
        for key in changed:
            if key not in keys:
                keys.append(key)
    return keys


def submission_save(
    *, submission: Submission, user, base_version: int, data: SaveInput, now=None
) -> list[str]:
    """Save a draft (complete or not). Returns the changed keys. Refuses a locked
    or non-editable submission and a stale version (optimistic concurrency)."""
    if not rules.can_edit(user, submission.agency):
        raise SubmissionError(_("Only the agency's own staff can edit its submission."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state not in EDITABLE:
            raise SubmissionError(
                _("A submission in state “%(state)s” cannot be edited.")
                % {"state": submission.get_state_display()}
            )
        _check_open(submission, now)
        if submission.version != base_version:
            raise StaleSubmission(changes_since(submission, base_version), submission.version)
        changed: list[str] = []
        before: dict = {}
        after: dict = {}
        sections = dict(submission.sections)
        for code, text in data.sections.items():
            if sections.get(code, "") != text:
                before[f"section:{code}"] = sections.get(code, "")
                after[f"section:{code}"] = text
                sections[code] = text
                changed.append(f"section:{code}")
        existing = {e.criterion_code: e for e in submission.entries.all()}
        to_create, to_update = [], []
        for code, inp in data.entries.items():
            inp.self_score = _norm_decimal(inp.self_score)
            entry = existing.get(code)
            if entry is None:
                if inp.values() == EntryInput().values():
                    continue
                entry = ReportEntry(submission=submission, criterion_code=code)
                to_create.append(entry)
            elif _entry_values(entry) == inp.values():
                continue
            else:
                to_update.append(entry)
                before[f"entry:{code}"] = list(_entry_values(entry))
            (
                entry.narrative,
                entry.self_score,
                entry.not_applicable,
                entry.na_reason,
                entry.planned,
                entry.little_room,
            ) = inp.values()
            after[f"entry:{code}"] = list(inp.values())
            changed.append(f"entry:{code}")
        ReportEntry.objects.bulk_create(to_create)
        if to_update:
            ReportEntry.objects.bulk_update(
                to_update,
                [
                    "narrative",
                    "self_score",
                    "not_applicable",
                    "na_reason",
                    "planned",
                    "little_room",
                ],
            )
        metrics = {m.code: m for m in submission.metrics.all()}
        for code, (this_year, last_year) in data.metrics.items():
            this_year, last_year = _norm_decimal(this_year), _norm_decimal(last_year)
            m = metrics.get(code)
            if m is None:
                if this_year is None and last_year is None:
                    continue
                m = MetricValue(submission=submission, code=code)
            elif (m.this_year, m.last_year) == (this_year, last_year):
                continue
            else:
                before[f"metric:{code}"] = [m.this_year, m.last_year]
            m.this_year, m.last_year = this_year, last_year
            m.save()
            after[f"metric:{code}"] = [this_year, last_year]
            changed.append(f"metric:{code}")
        new_urls = []
        for code, upload in data.files:
            ev = Evidence(
                submission=submission,
                criterion_code=code,
                kind=EvidenceKind.FILE,
                name=upload.name[:255],
                size=upload.size,
                added_by=user,
            )
            ev.file.save(upload.name, upload, save=False)
            ev.save()
            changed.append(f"evidence:{code}")
            after.setdefault(f"evidence:{code}", []).append(ev.name)
        for code, url, name in data.urls:
            ev = Evidence.objects.create(
                submission=submission,
                criterion_code=code,
                kind=EvidenceKind.URL,
                url=url,
                name=(name or url)[:255],
                added_by=user,
            )
            new_urls.append(ev.pk)
            changed.append(f"evidence:{code}")
            after.setdefault(f"evidence:{code}", []).append(url)
        changed = list(dict.fromkeys(changed))
        if not changed:
            return []
        from_state = submission.state
        submission.sections = sections
        submission.version += 1
        # Editing after approval (or after a return) needs a new approval.
        submission.state = State.DRAFT
        submission.updated_by = user
        submission.save()
        SubmissionEvent.objects.create(
            submission=submission,
            kind=EventKind.SAVE,
            actor=user,
            from_state=from_state,
            to_state=submission.state,
            version=submission.version,
            changed=changed,
        )
        audit_record(
            actor=user, action="submission_saved", obj=submission, before=before, after=after
        )
        if new_urls:
            transaction.on_commit(lambda: _enqueue_link_checks(new_urls))
    return changed


def _enqueue_link_checks(ids):
    for pk in ids:
        check_evidence_link.enqueue(pk)


def evidence_delete(*, evidence: Evidence, user, now=None) -> None:
    submission = evidence.submission
    if not rules.can_edit(user, submission.agency):
        raise SubmissionError(_("Only the agency's own staff can edit its submission."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state not in EDITABLE:
            raise SubmissionError(
                _("A submission in state “%(state)s” cannot be edited.")
                % {"state": submission.get_state_display()}
            )
        _check_open(submission, now)
        key = f"evidence:{evidence.criterion_code}"
        name = evidence.name
        from_state = submission.state
        stored = evidence.file.name if evidence.file else ""
        evidence.delete()
        submission.version += 1
        submission.state = State.DRAFT
        submission.updated_by = user
        submission.save()
        SubmissionEvent.objects.create(
            submission=submission,
            kind=EventKind.SAVE,
            actor=user,
            from_state=from_state,
            to_state=submission.state,
            version=submission.version,
            changed=[key],
        )
        audit_record(actor=user, action="evidence_deleted", obj=submission, before={key: name})
        if stored:
            from django.core.files.storage import default_storage

            transaction.on_commit(lambda: default_storage.delete(stored))


# --- completeness -------------------------------------------------------------


def completeness_problems(submission: Submission) -> list[str]:
    """What must be filled before the head approves and the agency submits."""
    problems = []
    for code, label in section_codes(submission.kind, submission.category):
        required = submission.kind == Kind.PLAN or code.startswith("project_")
        if required and not (submission.sections.get(code) or "").strip():
            problems.append(_("“%(section)s” is empty") % {"section": label})
    if submission.kind == Kind.PLAN:
        return problems
    entries = {e.criterion_code: e for e in submission.entries.all()}
    url_codes = set(
        submission.evidence.filter(kind=EvidenceKind.URL).values_list("criterion_code", flat=True)
    )
    for leaf in leaves_for(submission.cycle, submission.category):
        e = entries.get(leaf.code)
        if e is None or not e.narrative.strip():
            # CITY-3: a criterion marked "not applicable" or "little room left to grow"
            # still states its actual execution.
            problems.append(
                _("%(code)s %(name)s: no narrative") % {"code": leaf.code, "name": leaf.name}
            )
            continue
        if (e.not_applicable or e.little_room) and not e.na_reason.strip():
            problems.append(mark_needs_reason(leaf.code, not_applicable=e.not_applicable))
        if e.not_applicable or e.little_room:
            if e.self_score is not None:
                problems.append(marked_without_self_score(leaf.code))
            if e.not_applicable:
                continue
        elif e.self_score is None:
            problems.append(_("%(code)s: no self score") % {"code": leaf.code})
        if rules.web_claim(e.narrative) and leaf.code not in url_codes:
            problems.append(
                _("%(code)s: the narrative mentions a web service but gives no URL")
                % {"code": leaf.code}
            )
    return problems


def marked_without_self_score(code: str) -> str:
    """Issue 13: "not applicable" and "little room left to grow" carry no self score."""
    return _(
        "%(code)s: a criterion marked “not applicable” or “little room left to grow” "
        "carries no self score"
    ) % {"code": code}


def mark_needs_reason(code: str, *, not_applicable: bool) -> str:
    """CITY-3: either mark needs its stated reason."""
    if not_applicable:
        return _("%(code)s: “not applicable” needs a reason") % {"code": code}
    return _("%(code)s: “little room left to grow” needs a reason") % {"code": code}


def warnings_for(submission: Submission) -> list[str]:
    """Warnings that do not block: CITY-3 duplicated text across dimensions."""
    if submission.kind != Kind.REPORT or submission.category != "overall":
        return []
    narratives = {
        e.criterion_code: e.narrative for e in submission.entries.all() if not e.not_applicable
    }
    return [rules.duplicate_message(d) for d in rules.duplicates_across_dimensions(narratives)]


# --- transitions ----------------------------------------------------------------


def _transition(submission, *, user, kind, to_state, reason="", allowed_from, extra=None):
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state not in allowed_from:
            raise SubmissionError(
                _("This cannot be done while the submission is “%(state)s”.")
                % {"state": submission.get_state_display()}
            )
        from_state = submission.state
        submission.state = to_state
        for k, v in (extra or {}).items():
            setattr(submission, k, v)
        submission.save()
        SubmissionEvent.objects.create(
            submission=submission,
            kind=kind,
            actor=user,
            reason=reason,
            from_state=from_state,
            to_state=to_state,
            version=submission.version,
        )
        audit_record(
            actor=user,
            action=f"submission_{kind}",
            obj=submission,
            before={"state": from_state},
            after={"state": to_state},
            reason=reason,
        )
    return submission


def submission_approve(*, submission: Submission, user, now=None) -> Submission:
    """The agency head approves (CITY-2): only when complete and not locked."""
    if not rules.can_approve(user, submission.agency):
        raise SubmissionError(_("Only the head of this agency can approve."))
    submission.refresh_from_db()
    _check_open(submission, now)
    problems = completeness_problems(submission)
    if problems:
        raise Incomplete(problems)
    return _transition(
        submission,
        user=user,
        kind=EventKind.APPROVE,
        to_state=State.APPROVED,
        allowed_from=(State.DRAFT, State.RETURNED),
    )


def submission_submit(*, submission: Submission, user, now=None) -> Submission:
    if not rules.can_edit(user, submission.agency):
        raise SubmissionError(_("Only the agency's own staff can submit."))
    submission.refresh_from_db()
    _check_open(submission, now)
    if submission.state != State.APPROVED:
        raise SubmissionError(_("The head must approve the submission before it is submitted."))
    return _transition(
        submission,
        user=user,
        kind=EventKind.SUBMIT,
        to_state=State.SUBMITTED,
        allowed_from=(State.APPROVED,),
        extra={"submitted_at": now or timezone.now()},
    )


def submission_return(*, submission: Submission, user, reason: str) -> Submission:
    if not rules.can_decide(user):
        raise SubmissionError(_("Only the program office can return a submission."))
    if not reason.strip():
        raise SubmissionError(_("Give the reason for returning it."))
    with transaction.atomic():
        submission = _transition(
            submission,
            user=user,
            kind=EventKind.RETURN,
            to_state=State.RETURNED,
            reason=reason,
            allowed_from=(State.SUBMITTED,),
        )
        pk = submission.pk
        transaction.on_commit(lambda: _notify_returned(pk, reason))
    return submission


def _notify_returned(submission_id: int, reason: str) -> None:
    """E-mail the agency's staff that their submission was returned (SPEC §4)."""
    from django.conf import settings
    from django.core.mail import send_mail

    sub = Submission.objects.select_related("agency", "cycle").get(pk=submission_id)
    to = sorted(
        User.objects.filter(agency=sub.agency, role__in=AGENCY_ROLES, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not to:
        return
    subject = _("%(agency)s: your %(kind)s was returned for revision") % {
        "agency": sub.agency.name,
        "kind": sub.get_kind_display(),
    }
    send_mail(subject, f"{subject}\n\n{reason}", settings.DEFAULT_FROM_EMAIL, to)


def submission_accept(*, submission: Submission, user, now=None) -> Submission:
    if not rules.can_decide(user):
        raise SubmissionError(_("Only the program office can accept a submission."))
    return _transition(
        submission,
        user=user,
        kind=EventKind.ACCEPT,
        to_state=State.ACCEPTED,
        allowed_from=(State.SUBMITTED,),
        extra={"accepted_at": now or timezone.now()},
    )


def submission_reopen(
    *, cycle, agency, kind: str, category: str, user, deadline: datetime, reason: str
) -> Submission:
    """The office reopens one agency with a reason and a new deadline. A submitted
    or accepted submission goes back to “returned” so the agency can edit it."""
    if not rules.can_decide(user):
        raise SubmissionError(_("Only the program office can reopen a submission."))
    if not reason.strip():
        raise SubmissionError(_("Give the reason for reopening it."))
    if timezone.is_naive(deadline):
        raise ValidationError("deadline must be aware")
    with transaction.atomic():
        submission = submission_get_or_create(
            cycle=cycle, agency=agency, kind=kind, category=category
        )
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        Reopen.objects.create(
            cycle=cycle, agency=agency, kind=kind, deadline=deadline, reason=reason, by=user
        )
        from_state = submission.state
        if submission.state in (State.SUBMITTED, State.ACCEPTED):
            submission.state = State.RETURNED
            submission.save(update_fields=["state", "updated"])
        SubmissionEvent.objects.create(
            submission=submission,
            kind=EventKind.REOPEN,
            actor=user,
            reason=f"{reason} ({_('new deadline')}: {format_roc_date(deadline, with_time=True)})",
            from_state=from_state,
            to_state=submission.state,
            version=submission.version,
        )
        audit_record(
            actor=user,
            action="submission_reopen",
            obj=submission,
            before={"state": from_state},
            after={"state": submission.state, "deadline": deadline},
            reason=reason,
        )
    return submission


def submission_comment(*, submission: Submission, user, text: str) -> SubmissionEvent:
    """CITY-6: the first-level parent agency (or the office) comments."""
    if not rules.can_comment(user, submission.agency):
        raise SubmissionError(_("You cannot comment on this submission."))
    if not text.strip():
        raise SubmissionError(_("Write the comment first."))
    event = SubmissionEvent.objects.create(
        submission=submission,
        kind=EventKind.COMMENT,
        actor=user,
        reason=text,
        from_state=submission.state,
        to_state=submission.state,
        version=submission.version,
    )
    audit_record(actor=user, action="submission_comment", obj=submission, reason=text)
    return event


def metric_labels() -> dict[str, str]:
    return {code: str(label) for code, label in METRICS}
