"""Writes of the submissions app: every transition in one transaction, with a
SubmissionEvent (shown on the page) and an audit record."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.accounts.selectors import agency_staff_by_agency
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date
from serviceeval.notifications.enums import Kind as NoticeKind
from serviceeval.notifications.services import notify
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

# A save puts any of these back to draft: a request for approval is withdrawn and
# an approval has to be given again.
EDITABLE = (State.DRAFT, State.AWAITING_APPROVAL, State.APPROVED, State.RETURNED)
# What the officer may send to the head (送首長核定) and what the head may approve.
REQUESTABLE = (State.DRAFT, State.RETURNED)
APPROVABLE = (State.DRAFT, State.AWAITING_APPROVAL, State.RETURNED)
# What the head may return to the officer: before it leaves the agency.
HEAD_RETURNABLE = (State.AWAITING_APPROVAL, State.APPROVED)


class SubmissionError(Exception):
    """A refused action; `str(exc)` is the zh-Hant message for the user."""


class SubmissionLocked(SubmissionError):
    pass


class Incomplete(SubmissionError):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            _("The submission is not complete yet: %(problems)s")
            % {"problems": "；".join(problems)}
        )


class StaleSubmission(SubmissionError):
    def __init__(self, changed: list[str], version: int):
        self.changed = changed
        self.version = version
        super().__init__(_("Someone else has saved this submission since you opened it."))


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
                "The deadline %(deadline)s has passed: the submission is locked and cannot be saved or submitted. Ask the program office to reopen it."
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
        raise SubmissionError(_("Only the staff of the agency can edit its submission."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state not in EDITABLE:
            raise SubmissionError(
                _("The submission cannot be edited in state “%(state)s”.")
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
        raise SubmissionError(_("Only the staff of the agency can edit its submission."))
    with transaction.atomic():
        submission = Submission.objects.select_for_update().get(pk=submission.pk)
        if submission.state not in EDITABLE:
            raise SubmissionError(
                _("The submission cannot be edited in state “%(state)s”.")
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
            problems.append(_("“%(section)s” is not filled in") % {"section": label})
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
                _("%(code)s %(name)s: the narrative is not filled in")
                % {"code": leaf.code, "name": leaf.name}
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
            problems.append(_("%(code)s: the self score is not filled in") % {"code": leaf.code})
        if rules.web_claim(e.narrative) and leaf.code not in url_codes:
            problems.append(
                _("%(code)s: the narrative mentions a web service but gives no web address")
                % {"code": leaf.code}
            )
    return problems


def marked_without_self_score(code: str) -> str:
    """Issue 13: "not applicable" and "little room left to grow" carry no self score."""
    return _(
        "%(code)s: a criterion marked “not applicable” or “little room left to grow” carries no self score"
    ) % {"code": code}


def mark_needs_reason(code: str, *, not_applicable: bool) -> str:
    """CITY-3: either mark needs its stated reason."""
    if not_applicable:
        return _("%(code)s: a criterion marked “not applicable” needs a reason") % {"code": code}
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
    """One state change with its event and audit record; returns (submission, event)."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update()
            .select_related("agency", "cycle")
            .get(pk=submission.pk)
        )
        if submission.state not in allowed_from:
            raise SubmissionError(
                _("This cannot be done while the submission is in state “%(state)s”.")
                % {"state": submission.get_state_display()}
            )
        from_state = submission.state
        submission.state = to_state
        for k, v in (extra or {}).items():
            setattr(submission, k, v)
        submission.save()
        event = SubmissionEvent.objects.create(
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
    return submission, event


# --- who is told (notifications app) -----------------------------------------------


def agency_heads(agency_id) -> list[User]:
    """The agency's active heads: who approves (CITY-2)."""
    return agency_staff_by_agency([agency_id], roles=(Role.AGENCY_HEAD,)).get(agency_id, [])


def _officers(agency_id) -> list[User]:
    return agency_staff_by_agency([agency_id], roles=(Role.AGENCY_OFFICER,)).get(agency_id, [])


def _staff(agency_id) -> list[User]:
    return agency_staff_by_agency([agency_id]).get(agency_id, [])


def _names(submission) -> dict:
    return {
        "agency": submission.agency.name,
        "kind": submission.get_kind_display(),
        "cycle": submission.cycle.name,
    }


def _detail_url(submission) -> str:
    return reverse(
        "submissions:detail",
        args=[submission.cycle.year, submission.kind, submission.agency_id],
    )


def _actor_name(user) -> str:
    return (user.get_full_name() or user.get_username()) if user else ""


def _tell(submission, event, *, users, kind, subject, body):
    notify(
        users=users,
        kind=kind,
        key=f"{kind}:{event.pk}",
        subject=subject,
        body=body,
        url=_detail_url(submission),
    )


def _check_complete_and_open(submission: Submission, now) -> None:
    """Before it goes to the head or is approved: as stored now, not locked, and
    complete (Incomplete lists what is missing)."""
    submission.refresh_from_db()
    _check_open(submission, now)
    problems = completeness_problems(submission)
    if problems:
        raise Incomplete(problems)


def submission_request_approval(*, submission: Submission, user, now=None) -> Submission:
    """CITY-2: the officer sends a complete submission to the agency head (送首長核定);
    the heads are told in the app and by e-mail."""
    if not rules.can_request_approval(user, submission.agency):
        raise SubmissionError(_("Only the staff of the agency can send it to the head."))
    _check_complete_and_open(submission, now)
    heads = agency_heads(submission.agency_id)
    if not heads:
        raise SubmissionError(
            _(
                "%(agency)s has no active head account to approve it. Ask the program office to create the account of the head."
            )
            % {"agency": submission.agency.name}
        )
    with transaction.atomic():
        submission, event = _transition(
            submission,
            user=user,
            kind=EventKind.REQUEST_APPROVAL,
            to_state=State.AWAITING_APPROVAL,
            allowed_from=REQUESTABLE,
        )
        names = {**_names(submission), "who": _actor_name(user)}
        _tell(
            submission,
            event,
            users=heads,
            kind=NoticeKind.APPROVAL_REQUESTED,
            subject=_("%(agency)s: the %(kind)s awaits your approval") % names,
            body=_(
                "%(who)s sent the %(kind)s of %(cycle)s for your approval. Approve it (and submit it to the program office), or return it to the officer with a comment."
            )
            % names,
        )
    return submission


def submission_approve(
    *, submission: Submission, user, now=None, and_submit: bool = False
) -> Submission:
    """The agency head approves (CITY-2): only when complete and not locked; with
    `and_submit`, it is submitted to the program office in the same step. The
    officers are told."""
    if not rules.can_approve(user, submission.agency):
        raise SubmissionError(_("Only the head of the agency can approve."))
    _check_complete_and_open(submission, now)
    with transaction.atomic():
        submission, event = _transition(
            submission,
            user=user,
            kind=EventKind.APPROVE,
            to_state=State.APPROVED,
            allowed_from=APPROVABLE,
        )
        if and_submit:
            submission, _event = _transition(
                submission,
                user=user,
                kind=EventKind.SUBMIT,
                to_state=State.SUBMITTED,
                allowed_from=(State.APPROVED,),
                extra={"submitted_at": now or timezone.now()},
            )
        names = {**_names(submission), "who": _actor_name(user)}
        if and_submit:
            subject = _("%(agency)s: the head approved the %(kind)s and submitted it") % names
            body = _(
                "%(who)s approved the %(kind)s of %(cycle)s and submitted it to the program office."
            )
        else:
            subject = _("%(agency)s: the head approved the %(kind)s") % names
            body = _(
                "%(who)s approved the %(kind)s of %(cycle)s. Submit it to the program office before the deadline."
            )
        _tell(
            submission,
            event,
            users=_officers(submission.agency_id),
            kind=NoticeKind.SUBMISSION_APPROVED,
            subject=subject,
            body=body % names,
        )
    return submission


def submission_head_return(*, submission: Submission, user, reason: str) -> Submission:
    """The head does not approve: the submission goes back to the officer as a
    draft with the head's comment (distinct from the office's return)."""
    if not rules.can_approve(user, submission.agency):
        raise SubmissionError(_("Only the head of the agency can return it to the officer."))
    if not (reason or "").strip():
        raise SubmissionError(_("Write a comment for the officer saying what is to be changed."))
    with transaction.atomic():
        submission, event = _transition(
            submission,
            user=user,
            kind=EventKind.HEAD_RETURN,
            to_state=State.DRAFT,
            reason=reason.strip(),
            allowed_from=HEAD_RETURNABLE,
        )
        names = _names(submission)
        _tell(
            submission,
            event,
            users=_officers(submission.agency_id),
            kind=NoticeKind.SUBMISSION_RETURNED,
            subject=_("%(agency)s: the head returned the %(kind)s to you") % names,
            body=reason.strip(),
        )
    return submission


def submission_submit(*, submission: Submission, user, now=None) -> Submission:
    if not rules.can_edit(user, submission.agency):
        raise SubmissionError(_("Only the staff of the agency can submit."))
    submission.refresh_from_db()
    _check_open(submission, now)
    if submission.state != State.APPROVED:
        raise SubmissionError(
            _("The head of the agency must approve the submission before it is submitted.")
        )
    submission, _event = _transition(
        submission,
        user=user,
        kind=EventKind.SUBMIT,
        to_state=State.SUBMITTED,
        allowed_from=(State.APPROVED,),
        extra={"submitted_at": now or timezone.now()},
    )
    return submission


def submission_return(*, submission: Submission, user, reason: str) -> Submission:
    """The program office returns a submitted plan or report with its reason; the
    agency's officers and heads are told (SPEC §4)."""
    if not rules.can_decide(user):
        raise SubmissionError(_("Only the program office can return the submission."))
    if not reason.strip():
        raise SubmissionError(_("Give the reason for the return."))
    with transaction.atomic():
        submission, event = _transition(
            submission,
            user=user,
            kind=EventKind.RETURN,
            to_state=State.RETURNED,
            reason=reason,
            allowed_from=(State.SUBMITTED,),
        )
        _tell(
            submission,
            event,
            users=_staff(submission.agency_id),
            kind=NoticeKind.SUBMISSION_RETURNED,
            subject=_("%(agency)s: your %(kind)s was returned for revision") % _names(submission),
            body=reason,
        )
    return submission


def submission_accept(*, submission: Submission, user, now=None) -> Submission:
    if not rules.can_decide(user):
        raise SubmissionError(_("Only the program office can accept the submission."))
    with transaction.atomic():
        submission, event = _transition(
            submission,
            user=user,
            kind=EventKind.ACCEPT,
            to_state=State.ACCEPTED,
            allowed_from=(State.SUBMITTED,),
            extra={"accepted_at": now or timezone.now()},
        )
        _tell(
            submission,
            event,
            users=_staff(submission.agency_id),
            kind=NoticeKind.SUBMISSION_ACCEPTED,
            subject=_("%(agency)s: your %(kind)s was accepted") % _names(submission),
            body=_("The program office accepted the %(kind)s of %(cycle)s.") % _names(submission),
        )
    return submission


def submission_reopen(
    *, cycle, agency, kind: str, category: str, user, deadline: datetime, reason: str
) -> Submission:
    """The office reopens one agency with a reason and a new deadline. A submitted
    or accepted submission goes back to “returned” so the agency can edit it."""
    if not rules.can_decide(user):
        raise SubmissionError(_("Only the program office can reopen the submission."))
    if not reason.strip():
        raise SubmissionError(_("Give the reason for reopening."))
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
        raise SubmissionError(_("You are not allowed to comment on this submission."))
    if not text.strip():
        raise SubmissionError(_("Write the comment before sending it."))
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
