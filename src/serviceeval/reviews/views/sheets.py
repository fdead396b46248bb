"""The score sheet, reopening it, and one agency's review page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core import fragments
from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.fieldtests.selectors import field_test_figures
from serviceeval.submissions.selectors import report_for_reviewer

from .. import rules, selectors, services
from ..forms import (
    ReasonForm,
    VisitForm,
)
from ..models import (
    SheetStatus,
)
from ..presentation import points as _points
from ..selectors.progress import scoring_deadline
from .common import ROUND_SLUGS, _cycle

# --- the score sheet ------------------------------------------------------------------


@access(is_reviewer)
def sheet(request, year, agency_id, round):
    round_ = ROUND_SLUGS.get(round)
    if round_ is None:
        raise Http404
    cycle = _cycle(year)
    participant = selectors.participant_or_404(cycle, agency_id)
    agency = participant.agency
    if not rules.can_score_agency(request.user, rules.ReviewTarget(cycle.pk, agency.pk, round_)):
        raise Http404
    the_sheet = services.sheet_get_or_create(
        cycle=cycle, agency=agency, reviewer=request.user, round=round_
    )
    errors: dict[str, str] = {}
    typed: dict[str, tuple[str, str]] | None = None
    stale = None
    status = 200
    version = the_sheet.version
    if request.method == "POST":
        spec = services.spec_of(cycle)
        codes = [leaf.code for leaf in spec.category(participant.category).leaves()]
        typed = {
            c: (request.POST.get(f"score_{c}", ""), request.POST.get(f"comment_{c}", ""))
            for c in codes
        }
        submit = request.POST.get("action") == "submit"
        try:
            posted_version = int(request.POST.get("version", "0"))
        except ValueError:
            posted_version = 0
        if request.POST.get("action") == "autosave":
            return _autosave(request, the_sheet, typed, posted_version)
        try:
            if submit and needs_confirmation(request):
                services.sheet_validate(sheet=the_sheet, values=typed, submit=True)
                return _confirm_submit(request, cycle, agency, the_sheet, typed, round)
            services.sheet_save(
                sheet=the_sheet,
                values=typed,
                version=posted_version,
                actor=request.user,
                submit=submit,
            )
        except services.SheetInvalid as exc:
            errors = exc.errors
            version = posted_version
            messages.error(request, _("Please correct the scores marked below; nothing was saved."))
            status = 400
        except services.StaleSheet as exc:
            stale = exc.changes
            version = exc.version
            messages.error(
                request,
                _(
                    "Someone saved this sheet after you opened it. Your input is kept below and was not saved; check the changes listed, then save again."
                ),
            )
            status = 409
        except services.ReviewError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            messages.success(request, _("Sheet submitted.") if submit else _("Draft saved."))
            return redirect("reviews:sheet", year=cycle.year, agency_id=agency.pk, round=round)
        the_sheet.refresh_from_db()
    ctx = _sheet_context(cycle, participant, the_sheet, typed=typed, errors=errors)
    locked_since = services.sheet_locked_since(the_sheet)
    ctx.update(
        stale=stale,
        version=version,
        round_slug=round,
        locked_since=locked_since,
        read_only=the_sheet.status == SheetStatus.SUBMITTED
        or cycle.results_published_at is not None
        or locked_since is not None,
    )
    return render(request, "reviews/sheet.html", ctx, status=status)


def _autosave(request, the_sheet, typed, version):
    """Issue 13 item 3: the draft saves itself (htmx, on change). Answers the status
    line and, out of band, the form's new version; never overwrites a save made
    elsewhere (a second tab) and never stores a refused score."""
    saved_at, message = None, ""
    new_version = version
    try:
        saved = services.sheet_save(
            sheet=the_sheet, values=typed, version=version, actor=request.user
        )
    except services.SheetInvalid as exc:
        message = _("Not saved automatically: %(n)d score(s) to correct.") % {"n": len(exc.errors)}
    except services.StaleSheet:
        message = _(
            "Not saved automatically: this sheet was saved elsewhere (another tab?). Save the draft to see the changes; what you typed is kept."
        )
    except services.ReviewError as exc:
        message = str(exc)
    else:
        saved_at, new_version = saved.updated, saved.version
    return render(
        request,
        "reviews/_autosave.html",
        {"saved_at": saved_at, "message": message, "version": new_version},
    )


def _confirm_submit(request, cycle, agency, the_sheet, typed, round_slug):
    """Issue 13 item 4: a submitted sheet is read-only; only the convener reopens it."""
    total = sum((_as_points(score) for score, _comment in typed.values()), Decimal(0))
    names = {"agency": agency.name, "round": the_sheet.get_round_display()}
    return confirmation(
        request,
        title=_("Submit your score sheet for %(agency)s?") % names,
        consequences=[
            _("Your total for %(agency)s (%(round)s) is %(total)s points over %(n)d criteria.")
            % {**names, "total": _points(total), "n": len(typed)},
            _("The sheet becomes read-only and counts in the results and the calibration."),
            _("Only the convener can reopen it, with a reason."),
        ],
        action_label=_("Submit the sheet"),
        cancel_url=reverse("reviews:sheet", args=[cycle.year, agency.pk, round_slug]),
    )


def _agency_figures(cycle, participant, category) -> dict[str, str]:
    """{criterion code: the read-only HTML beside its inputs}: the criterion, the
    agency's report entry and evidence, the field-test average. The same for every
    reviewer of the agency: rendered once per revision (core/fragments.py), read only
    after the view checked the reviewer may score the agency."""
    report = report_for_reviewer(cycle=cycle, agency=participant.agency)
    entries = report.entries_by_code if report is not None else {}
    figures = field_test_figures(cycle=cycle, agency_ids=[participant.agency_id]).get(
        participant.agency_id, {}
    )
    field_labels = {"phone": _("Telephone test average"), "mystery": _("Mystery-shopper average")}
    out = {"": "1" if report is not None else ""}  # whether the agency has a report

    def walk(node, depth):
        if node.leaf:
            out[node.code] = render_to_string(
                "reviews/_sheet_criterion.html",
                {
                    "node": node,
                    "entry": entries.get(node.code),
                    "field_labels": field_labels,
                    "field_test": _points(figures.get(node.field_test))
                    if node.field_test
                    else None,
                },
            )
        else:
            out[node.code] = format_html(
                '<p class="node depth-{}"><strong>{} {}</strong> ({})</p>',
                depth,
                node.code,
                node.name,
                node.max_points,
            )
        for child in node.children:
            walk(child, depth + 1)

    for top in category.rubric:
        walk(top, 1)
    return out


def _sheet_context(cycle, participant, the_sheet, *, typed=None, errors=None):
    spec = services.spec_of(cycle)
    category = spec.category(participant.category)
    stored = {s.criterion: s for s in the_sheet.scores.all()}
    agency_html = fragments.cached(
        "sheet-agency",
        (cycle.pk, cycle.created, participant.agency_id, participant.category),
        lambda: _agency_figures(cycle, participant, category),
    )
    rows = []
    totals = {top.code: Decimal(0) for top in category.rubric}

    def walk(node, depth, dimension):
        row = {"node": node, "depth": depth, "dimension": dimension}
        if node.leaf:
            if typed is not None:
                score, comment = typed.get(node.code, ("", ""))
            else:
                s = stored.get(node.code)
                score = _points(s.score) if s and s.score is not None else ""
                comment = s.comment if s else ""
            row.update(
                score=score,
                comment=comment,
                error=(errors or {}).get(node.code, ""),
            )
            if not row["error"]:  # a refused score adds nothing, as in the browser
                totals[dimension] += _as_points(score)
        # The criterion and the agency's figures: rendered, auto-escaped (cached above).
        row["agency_html"] = mark_safe(agency_html.get(node.code, ""))  # noqa: S308 (auto-escaped template output)
        rows.append(row)
        for child in node.children:
            walk(child, depth + 1, dimension)

    for top in category.rubric:
        walk(top, 1, top.code)
    names = {row["node"].code: row["node"] for row in rows}
    return {
        "cycle": cycle,
        "totals": [
            {"node": top, "total": _points(totals[top.code]), "max": _points(top.max_points)}
            for top in category.rubric
        ],
        "total": _points(sum(totals.values(), Decimal(0))),
        "total_max": _points(sum((top.max_points for top in category.rubric), Decimal(0))),
        "error_list": [
            {"code": code, "name": names[code].name if code in names else "", "message": message}
            for code, message in sorted(
                (errors or {}).items(),
                key=lambda item: list(names).index(item[0]) if item[0] in names else len(names),
            )
        ],
        "participant": participant,
        "agency": participant.agency,
        "sheet": the_sheet,
        "rows": rows,
        "has_report": bool(agency_html.get("")),
        "step": _points(spec.scoring.step),
    }


def _as_points(text) -> Decimal:
    """A typed or stored score for the running total; what is not a valid number
    adds nothing (its error is listed)."""
    try:
        value = Decimal(str(text).strip() or "0")
    except InvalidOperation:
        return Decimal(0)
    return value if value.is_finite() and 0 <= value <= 10**6 else Decimal(0)


@require_POST
@access(is_reviewer)
def sheet_reopen(request, pk):
    the_sheet = selectors.sheet_or_404(pk)
    if not rules.can_reopen_sheet(request.user, the_sheet):
        raise Http404
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reopening a sheet needs a reason."))
    else:
        try:
            services.sheet_reopen(
                sheet=the_sheet, reason=form.cleaned_data["reason"], actor=request.user
            )
            messages.success(request, _("Sheet reopened; the reviewer can edit it again."))
        except services.ReviewError as exc:
            messages.error(request, str(exc))
    return redirect("reviews:agency", year=the_sheet.cycle.year, agency_id=the_sheet.agency_id)


# --- one agency's review (sheets, visits) ---------------------------------------------


@access(is_office | is_reviewer)
def agency_review(request, year, agency_id):
    cycle = _cycle(year)
    participant = selectors.participant_or_404(cycle, agency_id)
    if not rules.can_open_agency_review(request.user, rules.ReviewTarget(cycle.pk, agency_id)):
        raise Http404
    form = VisitForm(cycle=cycle)
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, cycle=cycle)
        if form.is_valid():
            services.visit_record(
                cycle=cycle,
                agency=participant.agency,
                on=form.cleaned_data["date"],
                members=list(form.cleaned_data["members"]),
                notes=form.cleaned_data["notes"],
                actor=request.user,
            )
            messages.success(request, _("On-site visit recorded."))
            return redirect("reviews:agency", year=cycle.year, agency_id=agency_id)
        status = 400
    sheets, assigned, visits = selectors.agency_review_lists(cycle, agency_id)
    leader = rules.can_reopen_sheet(request.user, cycle)
    deadline = scoring_deadline(cycle)
    return render(
        request,
        "reviews/agency.html",
        {
            "cycle": cycle,
            "participant": participant,
            "agency": participant.agency,
            "sheets": sheets,
            "assigned": assigned,
            "visits": visits,
            "visit_form": form,
            "leader": leader,
            # After the scoring deadline a draft is locked too: the leader may open it.
            "scoring_passed": deadline is not None and timezone.now() > deadline,
            "reopen_form": ReasonForm(),
        },
        status=status,
    )
