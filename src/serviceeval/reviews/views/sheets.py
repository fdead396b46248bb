"""The score sheet, reopening it, and one agency's review page."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core import fragments
from serviceeval.core.access import access
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
        try:
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
    ctx.update(
        stale=stale,
        version=version,
        round_slug=round,
        read_only=the_sheet.status == SheetStatus.SUBMITTED
        or cycle.results_published_at is not None,
    )
    return render(request, "reviews/sheet.html", ctx, status=status)


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

    def walk(node, depth):
        row = {"node": node, "depth": depth}
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
        # The criterion and the agency's figures: rendered, auto-escaped (cached above).
        row["agency_html"] = mark_safe(agency_html.get(node.code, ""))  # noqa: S308 (auto-escaped template output)
        rows.append(row)
        for child in node.children:
            walk(child, depth + 1)

    for top in category.rubric:
        walk(top, 1)
    return {
        "cycle": cycle,
        "participant": participant,
        "agency": participant.agency,
        "sheet": the_sheet,
        "rows": rows,
        "has_report": bool(agency_html.get("")),
        "step": _points(spec.scoring.step),
    }


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
            "reopen_form": ReasonForm(),
        },
        status=status,
    )
