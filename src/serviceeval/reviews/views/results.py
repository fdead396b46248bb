"""Results (office, panel leaders): the table, publication actions, exports."""

from __future__ import annotations

from collections import defaultdict
from copy import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core.access import access
from serviceeval.core.memo import memo, revision
from serviceeval.exports.http import file_response

from .. import selectors, services
from ..exporters import long_format_bytes, results_bytes
from ..forms import (
    ExclusionForm,
    ReasonForm,
    TieBreakForm,
)
from ..presentation import grade_names as _grade_names
from ..selectors import (
    results_for_cycle,
)
from .common import _cycle, _results_cycle

# --- results (office, convener) ----------------------------------------------------


RESULTS_PAGE_SIZE = 100


@access(is_office | is_reviewer)
def results(request, year):
    """The results table, one group (`?group=`) or all, RESULTS_PAGE_SIZE rows a page;
    the rows are computed once per data revision (`results_for_cycle`)."""
    cycle = _results_cycle(request.user, year)
    spec = services.spec_of(cycle)
    rows = results_for_cycle(cycle)
    group = request.GET.get("group", "")

    # 2,000 rows nationally: the groups and each group's rows once per revision.
    base = ("results-view", cycle.pk, cycle.created, cycle.results_published_at)

    def links():
        out = {}
        for r in rows:
            if r.group and r.group not in out:
                out[r.group] = r.group_name or r.group
        return out, sum(1 for r in rows if r.status != "complete")

    group_links, incomplete = memo(base, revision(), links)
    group = group if group in group_links else ""  # a known group only: bounded keys
    selected = (
        memo((*base, group), revision(), lambda: [r for r in rows if r.group == group])
        if group
        else rows
    )
    page = Paginator(selected, RESULTS_PAGE_SIZE).get_page(request.GET.get("page"))
    office = is_office(request.user)

    def table():
        # Rendered once per revision, group, page and role ({% fragment %}).
        names = _grade_names(spec)
        groups: dict[str, list] = {}
        category_names = {c.code: c.name for c in spec.categories}
        for r in page.object_list:
            r = copy(r)  # the rows are shared (memo): label copies
            r.grade_name = names.get(r.grade, "")
            r.final_grade_name = names.get(r.final_grade, "")
            # One table per ranking: group, and category when the program has two rubrics.
            heading = r.group_name or ("" if len(category_names) > 1 else _("No group"))
            if len(category_names) > 1:
                heading = " · ".join(filter(None, [heading, category_names.get(r.category, "")]))
            groups.setdefault(heading, []).append(r)
        return {"groups": groups, "ties": [] if cycle.results_published_at else _ties(selected)}

    return render(
        request,
        "reviews/results.html",
        {
            "cycle": cycle,
            "table": SimpleLazyObject(table),
            "is_office": office,
            "group_links": group_links,
            "group": group if group in group_links else "",
            "page": page,
            "page_query": urlencode({"group": group}) + "&" if group else "",
            "incomplete": incomplete,
            "tie_form": TieBreakForm(cycle=cycle),
            "exclusion_form": ExclusionForm(cycle=cycle),
            "reason_form": ReasonForm(),
            "exclusions": selectors.exclusions_of(cycle),
            "re_rule": spec.re_evaluation,
        },
    )


def _ties(rows):
    blocks = defaultdict(list)
    for r in rows:
        if r.total is not None:
            blocks[(r.group, r.category, r.total)].append(r)
    return [b for b in blocks.values() if len(b) > 1]


@require_POST
@access(is_office)
def results_action(request, year):
    cycle = _cycle(year)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            publication = services.publish_results(cycle=cycle, actor=request.user)
            messages.success(request, _("Results published and frozen."))
            for line in services.carry_over_lines(publication.carry_over):
                messages.warning(request, line)
        elif action == "unfreeze":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise services.ReviewError(_("Unfreezing needs a reason."))
            services.unfreeze_results(
                cycle=cycle, reason=form.cleaned_data["reason"], actor=request.user
            )
            messages.success(request, _("Results unfrozen; the reason is logged."))
        elif action == "tie_break":
            form = TieBreakForm(request.POST, cycle=cycle)
            if not form.is_valid():
                raise services.ReviewError(
                    " ".join(str(e) for errs in form.errors.values() for e in errs)
                )
            services.tie_break_record(
                cycle=cycle,
                agency_ids=form.cleaned_data["order"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, _("Tie-break decision recorded."))
        elif action == "exclude":
            form = ExclusionForm(request.POST, cycle=cycle)
            if not form.is_valid():
                raise services.ReviewError(_("Choose the agency and reviewer and give a reason."))
            services.exclusion_add(
                cycle=cycle,
                agency=form.cleaned_data["agency"],
                reviewer=form.cleaned_data["reviewer"],
                round=form.cleaned_data["round"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
            messages.success(request, _("The reviewer's missing scores are excluded."))
        else:
            raise Http404
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect("reviews:results", year=cycle.year)


@access(is_office | is_reviewer)
def results_export(request, year, fmt):
    cycle = _results_cycle(request.user, year)
    if fmt not in ("csv", "xlsx", "ods"):
        raise Http404
    return file_response(results_bytes(cycle, fmt), f"results-{cycle.year}.{fmt}")


@access(is_office)
def scores_export(request, year, fmt):
    cycle = _cycle(year)
    if fmt not in ("csv", "xlsx", "ods"):
        raise Http404
    data, _count = long_format_bytes(cycle, fmt)
    return file_response(data, f"scores-{cycle.year}.{fmt}")
