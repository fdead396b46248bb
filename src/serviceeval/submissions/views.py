"""Pages of the submissions app. Every view is classified with `access(...)`;
object-level checks go through selectors, so another agency's submission answers 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_agency_head, is_agency_staff, is_office
from serviceeval.agencies.enums import Category
from serviceeval.agencies.selectors import agency_ids_visible_to, groups_all
from serviceeval.core.access import LOGIN, PUBLIC, access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.listing import ListSpec
from serviceeval.core.roc import format_roc_date, format_roc_year
from serviceeval.core.uploads import serve_upload
from serviceeval.cycles.models import Cycle
from serviceeval.cycles.selectors import cycle_or_404, cycles_newest_first
from serviceeval.engine.growth import format_growth, growth_rate
from serviceeval.exports.http import file_response

from . import rules, selectors, services
from .enums import METRICS, NOT_STARTED, EventKind, Kind, State
from .exporters import plan_odt, plan_pdf
from .forms import CommentForm, ReasonForm, ReopenForm, SubmissionForm, initial_for


def _url(scope, name="detail"):
    return reverse(f"submissions:{name}", args=[scope.cycle.year, scope.kind, scope.agency.pk])


def _leaves(scope):
    if scope.kind != Kind.REPORT:
        return []
    return services.leaves_for(scope.cycle, scope.category)


def _dimensions(scope) -> list[str]:
    """The category's evaluation dimensions (top-level rubric nodes), for the plan template."""
    spec = scope.cycle.program.spec
    if scope.kind != Kind.PLAN or scope.category not in {c.code for c in spec.categories}:
        return []
    return [node.name for node in spec.category(scope.category).rubric]


def _step(scope):
    return scope.cycle.program.spec.scoring.step


def _growth_rows(submission):
    values = {m.code: m for m in submission.metrics.all()} if submission else {}
    rows = []
    for code, label in METRICS:
        m = values.get(code)
        this_year = m.this_year if m else None
        last_year = m.last_year if m else None
        rows.append(
            {
                "code": code,
                "label": label,
                "this_year": this_year,
                "last_year": last_year,
                "growth": format_growth(growth_rate(this_year, last_year)),
            }
        )
    return rows


def _next_step(scope, problems) -> str:
    """CITY-2: what happens next to this plan or report, said on its page."""
    sub = scope.submission
    state = sub.state if sub else NOT_STARTED
    if state in (NOT_STARTED, State.DRAFT, State.RETURNED):
        if sub is None:
            return _(
                "Next: write it and save the draft (it may stay incomplete), then send "
                "it to the head for approval."
            )
        if problems:
            return _(
                "Next: complete what is still missing (listed below), then send it to "
                "the head for approval."
            )
        return _("Next: send it to the head for approval.")
    return {
        State.AWAITING_APPROVAL: _(
            "Next: the head approves it (and submits it to the program office) or "
            "returns it to the officer with a comment."
        ),
        State.APPROVED: _("Next: submit it to the program office."),
        State.SUBMITTED: _(
            "Next: the program office accepts it, or returns it to the agency with a reason."
        ),
        State.ACCEPTED: _("Accepted by the program office: nothing more to do."),
    }.get(state, "")


def _detail_context(request, scope):
    sub = scope.submission
    user = request.user
    leaves = _leaves(scope)
    entries = {e.criterion_code: e for e in sub.entries.all()} if sub else {}
    evidence = list(sub.evidence.all()) if sub else []
    by_code: dict[str, list] = {}
    for ev in evidence:
        by_code.setdefault(ev.criterion_code, []).append(ev)
    rows = [
        {"leaf": leaf, "entry": entries.get(leaf.code), "evidence": by_code.get(leaf.code, [])}
        for leaf in leaves
    ]
    sections = [
        (code, label, (sub.sections.get(code, "") if sub else ""))
        for code, label in services.section_codes(scope.kind, scope.category)
    ]
    editable_state = sub is None or sub.state in services.EDITABLE
    state = sub.state if sub else NOT_STARTED
    open_ = not scope.locked
    problems = (
        services.completeness_problems(sub) if sub and rules.can_edit(user, scope.agency) else []
    )
    events = list(sub.events.select_related("actor")) if sub else []
    requested = next((e for e in reversed(events) if e.kind == EventKind.REQUEST_APPROVAL), None)
    is_head = rules.can_approve(user, scope.agency)
    return {
        "scope": scope,
        "submission": sub,
        "rows": rows,
        "sections": sections,
        "general_evidence": by_code.get("", []),
        "metrics": _growth_rows(sub) if scope.kind == Kind.REPORT else [],
        "events": events,
        "warnings": services.warnings_for(sub) if sub else [],
        "problems": problems,
        "open_returns": selectors.open_returns([sub.pk]).get(sub.pk, []) if sub else [],
        "next_step": _next_step(scope, problems) if rules.can_edit(user, scope.agency) else "",
        "requested": requested if state == State.AWAITING_APPROVAL else None,
        "can_edit": rules.can_edit(user, scope.agency) and editable_state and open_,
        "can_request": rules.can_request_approval(user, scope.agency)
        and not is_head
        and state in services.REQUESTABLE
        and not problems
        and open_,
        "can_approve": is_head and state in services.APPROVABLE and not problems and open_,
        "can_head_return": is_head and state in services.HEAD_RETURNABLE,
        "can_submit": rules.can_edit(user, scope.agency) and state == State.APPROVED and open_,
        "can_decide": rules.can_decide(user) and state == State.SUBMITTED,
        "can_reopen": rules.can_decide(user),
        "can_comment": rules.can_comment(user, scope.agency),
        "reason_form": ReasonForm(),
        "reopen_form": ReopenForm(auto_id="reopen-%s"),
        "comment_form": CommentForm(),
        "state_label": dict(State.choices).get(scope.state, _("Not started")),
    }


# --- lists -------------------------------------------------------------------------


@access(is_office | is_agency_staff)
def index(request):
    """Agency staff: their submissions per cycle (and, CITY-6, their subordinates')."""
    if is_office(request.user):
        return redirect("submissions:status")

    ids = agency_ids_visible_to(request.user)
    cycles = []
    for cycle in selectors.cycles_for_user(request.user)[:5]:
        cycles.append((cycle, selectors.status_rows(cycle, agency_ids=ids)))
    return render(request, "submissions/index.html", {"cycles": cycles})


STATUS_PAGE_SIZE = 100
# Issue 12 item 4: search by agency code or name, filters and sort, in the URL.
STATUS_LIST = ListSpec(
    filters=("cycle", "group", "category", "status"),
    sorts={
        "group": ("group__code", "agency__code"),
        "code": ("agency__code",),
        "name": ("agency__name", "agency__code"),
        "category": ("category", "group__code", "agency__code"),
        "plan": ("plan_rank", "group__code", "agency__code"),
        "report": ("report_rank", "group__code", "agency__code"),
    },
    default_sort="group",
)


@access(is_office)
def status(request):
    """The office's status page: every participant × (plan, report)."""
    cycles = list(cycles_newest_first())
    year = request.GET.get("cycle", "")
    cycle = next((c for c in cycles if str(c.year) == year), cycles[0] if cycles else None)
    listing = STATUS_LIST.read(request.GET)
    group = listing.get("group")
    category = listing.get("category")
    state = listing.get("status")
    number = listing.page
    query = listing.query_without_page  # the pager's (cycle and filters kept)

    def body():
        # Rendered once per revision, minute, cycle, filters and page ({% fragment %}):
        # the office only (COORDINATOR), so nothing in it differs between users.
        statuses = [(NOT_STARTED, _("Not started")), *State.choices]
        out = {"groups": groups_all(), "categories": Category.choices, "statuses": statuses}
        if cycle is None:
            return out
        result = selectors.status_page(
            cycle,
            group=group,
            category=category,
            status=state,
            offset=(number - 1) * STATUS_PAGE_SIZE,
            limit=STATUS_PAGE_SIZE,
            listing=listing,
        )
        out.update(
            {
                "rows": result.rows,
                "total": result.total,
                "counts": result.counts,
                "plan_required": result.plan_required,
                "first": (number - 1) * STATUS_PAGE_SIZE + 1 if result.rows else 0,
                "last": (number - 1) * STATUS_PAGE_SIZE + len(result.rows),
                "previous_page": number - 1 if number > 1 else None,
                "next_page": number + 1 if number * STATUS_PAGE_SIZE < result.total else None,
            }
        )
        return out

    ctx = {
        "cycles": cycles,
        "cycle": cycle,
        "group": group,
        "category": category,
        "status": state,
        "number": number,
        "listing": listing,
        "query": query,
        "body": SimpleLazyObject(body),
        # A draft opened without a change (`submission_get_or_create`) is not audited:
        # it shows within a minute, as on the dashboard.
        "minute": timezone.now().strftime("%Y%m%d%H%M"),
    }
    return render(request, "submissions/status.html", ctx)


# --- one submission -------------------------------------------------------------------


@access(is_office | is_agency_staff)
def detail(request, year, kind, agency_id):
    scope = selectors.submission_scope(request.user, year=year, kind=kind, agency_id=agency_id)
    return render(request, "submissions/detail.html", _detail_context(request, scope))


@access(is_agency_staff)
def edit(request, year, kind, agency_id):
    scope = selectors.submission_scope(request.user, year=year, kind=kind, agency_id=agency_id)
    if not rules.can_edit(request.user, scope.agency):
        raise Http404  # a parent agency sees, it does not write (CITY-6)
    leaves = _leaves(scope)
    last_year = selectors.previous_metrics(scope.cycle, scope.agency) if kind == Kind.REPORT else {}
    form_kw = {
        "kind": kind,
        "category": scope.category,
        "leaves": leaves,
        "step": _step(scope),
        "last_year": last_year,
        "dimensions": _dimensions(scope),
    }
    sub = scope.submission
    status_code = 200
    if request.method == "POST":
        form = SubmissionForm(request.POST, request.FILES, **form_kw)
        if form.is_valid() and _approval_at_stake(sub) and needs_confirmation(request):
            return _confirm_edit(request, scope)
        if form.is_valid():
            created = sub is None
            if created:
                sub = services.submission_get_or_create(
                    cycle=scope.cycle, agency=scope.agency, kind=kind, category=scope.category
                )
            try:
                changed = services.submission_save(
                    submission=sub,
                    user=request.user,
                    base_version=form.cleaned_data["version"],
                    data=form.save_input(),
                )
            except services.StaleSubmission as exc:
                data = request.POST.copy()
                data["version"] = str(exc.version)
                form = SubmissionForm(data, **form_kw)
                form.is_valid()
                messages.error(
                    request,
                    _(
                        "Someone else saved this submission after you opened it. Changed since: %(changes)s. Your input is kept below: check it and save again (files must be attached again)."
                    )
                    % {"changes": describe_changes(exc.changed, leaves)},
                )
                status_code = 409
            except services.SubmissionError as exc:
                if created:
                    # Nothing was saved: do not leave an empty row behind.
                    services.submission_discard_unsaved(submission=sub)
                    sub = None
                messages.error(request, str(exc))
                status_code = 400
            else:
                if changed:
                    messages.success(
                        request, _("Saved. The draft may stay incomplete until it is approved.")
                    )
                else:
                    messages.info(request, _("Nothing changed."))
                # The edit page lists the warnings that still apply (duplicated text,
                # CITY-3) once, in its own notice: no second copy as a message.
                return redirect(_url(scope, "edit"))
        else:
            messages.error(
                request,
                _(
                    "Nothing was saved: please correct the fields marked below. What you typed is kept; files must be chosen again."
                ),
            )
            status_code = 400
    else:
        form = SubmissionForm(initial=initial_for(sub, kind=kind, leaves=leaves), **form_kw)
    ctx = _detail_context(request, scope)
    ctx["form"] = form
    ctx["error_fields"] = (
        [
            (form[name].id_for_label, form.fields[name].label, errs)
            for name, errs in form.errors.items()
            if name in form.fields
        ]
        if form.is_bound
        else []
    )
    return render(request, "submissions/edit.html", ctx, status=status_code)


def _approval_at_stake(sub) -> bool:
    """Saving a change to one of these withdraws the head's approval (or the request
    for it): the save asks first."""
    return sub is not None and sub.state in (State.APPROVED, State.AWAITING_APPROVAL)


def _confirm_edit(request, scope):
    sub = scope.submission
    names = {"kind": Kind(scope.kind).label, "agency": scope.agency.name}
    if sub.state == State.APPROVED:
        title = _("Change the approved %(kind)s?") % names
        lines = [
            _(
                "The head has approved this %(kind)s. Saving a change withdraws the "
                "approval: it goes back to draft."
            )
            % names,
            _(
                "The head will have to approve it again before it can be submitted to "
                "the program office."
            ),
        ]
    else:
        title = _("Change the %(kind)s awaiting the head's approval?") % names
        lines = [
            _(
                "The %(kind)s is waiting for the head's approval. Saving a change "
                "withdraws the request: it goes back to draft."
            )
            % names,
            _("Send it to the head for approval again once it is ready."),
        ]
    files = [f.name for f in request.FILES.values()]
    if files:
        lines.append(
            _(
                "The files you chose (%(files)s) are not carried over: choose them again "
                "after saving."
            )
            % {"files": "、".join(files)}
        )
    lines.append(_("If nothing was changed, nothing is saved and the approval stays."))
    return confirmation(
        request,
        title=title,
        consequences=lines,
        action_label=_("Save, the approval will have to be given again")
        if sub.state == State.APPROVED
        else _("Save, the request for approval is withdrawn"),
        cancel_url=_url(scope, "edit"),
    )


def describe_changes(keys, leaves) -> str:
    names = {leaf.code: leaf.name for leaf in leaves}
    labels = dict(services.section_codes(Kind.PLAN, "overall"))
    for kind_category in (("report", "overall"), ("report", "project")):
        labels.update(dict(services.section_codes(*kind_category)))
    metrics = dict(METRICS)
    out = []
    for key in keys:
        what, _sep, code = key.partition(":")
        if what == "entry":
            out.append(f"{code} {names.get(code, '')}".strip())
        elif what == "section":
            out.append(str(labels.get(code, code)))
        elif what == "metric":
            out.append(str(metrics.get(code, code)))
        elif what == "evidence":
            out.append(_("evidence of %(code)s") % {"code": code or _("the whole submission")})
    return "、".join(out) or "—"


def _action(
    request,
    year,
    kind,
    agency_id,
    do,
    *,
    needs_submission=True,
    confirm=None,
    incomplete=None,
):
    """Run one action of the submission page. `confirm(scope)` (optional) gives the
    confirmation page's title, consequences and action label, asked first while the
    post is not confirmed; it may refuse at once (a `SubmissionError`) when the
    action cannot succeed, so nobody confirms what will be refused."""
    scope = selectors.submission_scope(request.user, year=year, kind=kind, agency_id=agency_id)
    if scope.submission is None and needs_submission:
        messages.error(request, _("Nothing has been saved yet."))
        return redirect(_url(scope))
    try:
        if confirm is not None and needs_confirmation(request):
            return confirmation(request, cancel_url=_url(scope), **confirm(scope))
        message = do(scope)
    except services.Incomplete as exc:
        messages.error(request, incomplete or _("Not approved: the submission is incomplete."))
        for problem in exc.problems:
            messages.error(request, problem)
    except services.SubmissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect(_url(scope))


def _names(scope) -> dict:
    return {
        "kind": Kind(scope.kind).label,
        "agency": scope.agency.name,
        "cycle": scope.cycle.name,
        "deadline": format_roc_date(scope.deadline, with_time=True) if scope.deadline else "—",
    }


def _refuse_incomplete(scope):
    problems = services.completeness_problems(scope.submission)
    if problems:
        raise services.Incomplete(problems)


def _people(users) -> str:
    return "、".join(str(u) for u in users) or "—"


@access(is_agency_staff)
@require_POST
def request_approval(request, year, kind, agency_id):
    """CITY-2: the officer sends the complete plan or report to the head (送首長核定)."""

    def confirm(scope):
        _refuse_incomplete(scope)
        names = {**_names(scope), "heads": _people(services.agency_heads(scope.agency.pk))}
        return {
            "title": _("Send the %(kind)s to the head for approval?") % names,
            "consequences": [
                _("%(heads)s (head of %(agency)s) is told in the app and by e-mail.") % names,
                _(
                    "The head approves it (and may submit it to the program office at once) "
                    "or returns it to you with a comment."
                ),
                _(
                    "A change saved before the head decides withdraws the request. Deadline: "
                    "%(deadline)s."
                )
                % names,
            ],
            "action_label": _("Send to the head for approval"),
        }

    def do(scope):
        services.submission_request_approval(submission=scope.submission, user=request.user)
        return _("Sent to the head for approval. The head has been told.")

    return _action(
        request,
        year,
        kind,
        agency_id,
        do,
        confirm=confirm,
        incomplete=_("Not sent: the submission is incomplete."),
    )


@access(is_agency_head)
@require_POST
def approve(request, year, kind, agency_id):
    """CITY-2: the head approves; with `then=submit`, it is submitted at once."""
    and_submit = request.POST.get("then") == "submit"

    def confirm(scope):
        _refuse_incomplete(scope)
        names = _names(scope)
        lines = [_("You approve the %(kind)s as the head of %(agency)s (CITY-2).") % names]
        if and_submit:
            lines += [
                _(
                    "It is submitted to the program office at once: the agency cannot "
                    "change it any more unless the office returns or reopens it."
                ),
                _("The review panel can read it from then on. The officers are told."),
            ]
        else:
            lines += [
                _(
                    "The officers are told; they submit it to the program office before "
                    "the deadline (%(deadline)s)."
                )
                % names,
                _("A change saved after your approval needs your approval again."),
            ]
        return {
            "title": (
                _("Approve the %(kind)s and submit it?")
                if and_submit
                else _("Approve the %(kind)s?")
            )
            % names,
            "consequences": lines,
            "action_label": _("Approve and submit to the program office")
            if and_submit
            else _("Approve (head)"),
        }

    def do(scope):
        services.submission_approve(
            submission=scope.submission, user=request.user, and_submit=and_submit
        )
        if and_submit:
            return _("Approved and submitted to the program office.")
        return _("Approved. The officer can now submit it to the program office.")

    return _action(request, year, kind, agency_id, do, confirm=confirm)


@access(is_agency_head)
@require_POST
def head_return(request, year, kind, agency_id):
    """CITY-2: the head returns it to the officer with a comment (required)."""
    form = ReasonForm(request.POST)

    def confirm(scope):
        if not form.is_valid():
            raise services.SubmissionError(
                _("Write a comment for the officer: what is to be changed.")
            )
        names = _names(scope)
        return {
            "title": _("Return the %(kind)s to the officer?") % names,
            "consequences": [
                _("It is not approved: it goes back to the officer as a draft."),
                _(
                    "Your comment stands at the top of the %(kind)s and on the officers' "
                    "dashboard; they are told in the app and by e-mail."
                )
                % names,
            ],
            "action_label": _("Return to the officer"),
        }

    def do(scope):
        if not form.is_valid():
            raise services.SubmissionError(
                _("Write a comment for the officer: what is to be changed.")
            )
        services.submission_head_return(
            submission=scope.submission, user=request.user, reason=form.cleaned_data["reason"]
        )
        return _("Returned to the officer with your comment.")

    return _action(request, year, kind, agency_id, do, confirm=confirm)


@access(is_agency_staff)
@require_POST
def submit(request, year, kind, agency_id):
    def confirm(scope):
        names = _names(scope)
        return {
            "title": _("Submit the %(kind)s to the program office?") % names,
            "consequences": [
                _(
                    "The agency cannot change it any more unless the program office "
                    "returns or reopens it."
                ),
                _("The review panel can read it from then on."),
            ],
            "action_label": _("Submit to the program office"),
        }

    def do(scope):
        services.submission_submit(submission=scope.submission, user=request.user)
        return _("Submitted to the program office.")

    return _action(request, year, kind, agency_id, do, confirm=confirm)


@access(is_office)
@require_POST
def return_(request, year, kind, agency_id):
    form = ReasonForm(request.POST)

    def confirm(scope):
        if not form.is_valid():
            raise services.SubmissionError(_("Give the reason for returning it."))
        names = _names(scope)
        return {
            "title": _("Return the %(kind)s of %(agency)s for revision?") % names,
            "consequences": [
                _(
                    "It goes back to %(agency)s for revision; it has to be approved by "
                    "its head and submitted again."
                )
                % names,
                _(
                    "Your reason stands at the top of the %(kind)s and on the agency's "
                    "dashboard; its staff are told in the app and by e-mail."
                )
                % names,
            ],
            "action_label": _("Return for revision"),
        }

    def do(scope):
        if not form.is_valid():
            raise services.SubmissionError(_("Give the reason for returning it."))
        services.submission_return(
            submission=scope.submission, user=request.user, reason=form.cleaned_data["reason"]
        )
        return _("Returned to the agency with your reason.")

    return _action(request, year, kind, agency_id, do, confirm=confirm)


@access(is_office)
@require_POST
def accept(request, year, kind, agency_id):
    def confirm(scope):
        names = _names(scope)
        lines = [_("The %(kind)s of %(agency)s is accepted; its staff are told.") % names]
        if scope.kind == Kind.PLAN:
            lines.append(
                _("The plan is published on the public page, with its ODF and PDF files (CITY-7).")
            )
        lines.append(_("To change it afterwards, reopen it for the agency."))
        return {
            "title": _("Accept the %(kind)s of %(agency)s?") % names,
            "consequences": lines,
            "action_label": _("Accept"),
        }

    def do(scope):
        services.submission_accept(submission=scope.submission, user=request.user)
        return _("Accepted.")

    return _action(request, year, kind, agency_id, do, confirm=confirm)


@access(is_office)
@require_POST
def reopen(request, year, kind, agency_id):
    form = ReopenForm(request.POST)

    def reopen(scope):
        if not form.is_valid():
            problems = [str(e) for errs in form.errors.values() for e in errs]
            raise services.SubmissionError(
                _("Not reopened: give a future deadline and a reason.") + " " + " ".join(problems)
            )
        services.submission_reopen(
            cycle=scope.cycle,
            agency=scope.agency,
            kind=scope.kind,
            category=scope.category,
            user=request.user,
            deadline=form.cleaned_data["deadline"],
            reason=form.cleaned_data["reason"],
        )
        return _("Reopened for this agency with the new deadline.")

    return _action(request, year, kind, agency_id, reopen, needs_submission=False)


@access(is_office | is_agency_staff)
@require_POST
def comment(request, year, kind, agency_id):
    form = CommentForm(request.POST)

    def do(scope):
        if not form.is_valid():
            raise services.SubmissionError(_("Write the comment first."))
        services.submission_comment(
            submission=scope.submission, user=request.user, text=form.cleaned_data["text"]
        )
        return _("Comment added.")

    return _action(request, year, kind, agency_id, do)


# --- evidence ---------------------------------------------------------------------------


@access(LOGIN)
def evidence(request, pk):
    ev = selectors.evidence_visible_to(request.user, pk)
    if not ev.file:
        return redirect(ev.url)
    return serve_upload(ev.file, ev.name)


@require_POST
@access(is_agency_staff)
def evidence_delete(request, pk):
    ev = selectors.evidence_visible_to(request.user, pk)
    sub = ev.submission
    if not rules.can_edit(request.user, sub.agency):
        raise Http404
    if sub.state in services.EDITABLE and needs_confirmation(request):
        return _confirm_evidence_delete(request, ev)
    try:
        services.evidence_delete(evidence=ev, user=request.user)
    except services.SubmissionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Evidence removed."))
    return redirect("submissions:edit", sub.cycle.year, sub.kind, sub.agency_id)


def _confirm_evidence_delete(request, ev):
    """Issue 13 item 4: a removed file cannot be restored, and the submission goes
    back to draft."""
    sub = ev.submission
    names = {
        "name": ev.name,
        "kind": sub.get_kind_display(),
        "agency": sub.agency.name,
        "year": format_roc_year(sub.cycle.year),
        "criterion": ev.criterion_code,
        "state": sub.get_state_display(),
    }
    lines = [
        _(
            "“%(name)s” is removed from the %(kind)s of %(agency)s (%(year)s), criterion %(criterion)s."
        )
        % names
        if ev.criterion_code
        else _(
            "“%(name)s” is removed from the general evidence of the %(kind)s of %(agency)s (%(year)s)."
        )
        % names
    ]
    if sub.state != State.DRAFT:
        lines.append(
            _(
                "The %(kind)s goes back from “%(state)s” to draft: the head must approve it and it must be submitted again."
            )
            % names
        )
    lines.append(
        _("The file is deleted and cannot be restored; upload it again if it is needed.")
        if ev.file
        else _("The link can be added again.")
    )
    return confirmation(
        request,
        title=_("Remove the evidence “%(name)s”?") % names,
        consequences=lines,
        action_label=_("Remove the evidence"),
        cancel_url=_url(sub),
        destructive=True,
    )


# --- public (CITY-7) --------------------------------------------------------------------


@access(PUBLIC)
def public_index(request):
    years = selectors.years_with_public_plans()
    return render(request, "submissions/public_index.html", {"years": list(years)})


PUBLIC_PAGE_SIZE = 100


@access(PUBLIC)
def public_plans(request, year):
    cycle = cycle_or_404(year)
    page_number = request.GET.get("page")

    def body():
        # Hundreds of plans nationally: PUBLIC_PAGE_SIZE a page (SPEC §5 pages), rendered
        # once per revision and page ({% fragment %}): public, the same for everyone.
        plans = selectors.public_plans(cycle).only("agency_id", "accepted_at", "agency__name")
        page = Paginator(plans, PUBLIC_PAGE_SIZE).get_page(page_number)
        return {"plans": page.object_list, "page": page}

    return render(
        request,
        "submissions/public.html",
        {
            "cycle": cycle,
            "body": SimpleLazyObject(body),
            "page_number": page_number,
            "page_query": "",
        },
    )


@access(PUBLIC)
def public_plan_file(request, year, agency_id, fmt):
    cycle = get_object_or_404(Cycle, year=year)
    plan = get_object_or_404(selectors.public_plans(cycle), agency_id=agency_id)
    filename = f"{cycle.year}年度{plan.agency.name}實施計畫.{fmt}"
    if fmt == "odt":
        return file_response(plan_odt(plan), filename)
    if fmt == "pdf":
        return file_response(plan_pdf(plan), filename)
    raise Http404
