"""Results (office, panel leaders): the table, publication actions, exports."""

from __future__ import annotations

from collections import defaultdict
from copy import copy
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.memo import memo, revision
from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.selectors import carry_over_count
from serviceeval.exports.http import file_response

from .. import selectors, services
from ..exporters import long_format_bytes, results_bytes
from ..forms import (
    ExclusionForm,
    ReasonForm,
    TieBreakForm,
)
from ..models import Round
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
            if needs_confirmation(request) and (asked := _confirm_publish(request, cycle)):
                return asked
            publication = services.publish_results(cycle=cycle, actor=request.user)
            messages.success(request, _("Results published and frozen."))
            for line in services.carry_over_lines(publication.carry_over):
                messages.warning(request, line)
        elif action == "unfreeze":
            form = ReasonForm(request.POST)
            if not form.is_valid():
                raise services.ReviewError(_("Unfreezing needs a reason."))
            if needs_confirmation(request) and cycle.results_published_at is not None:
                return _confirm_unfreeze(request, cycle, form.cleaned_data["reason"])
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
            if needs_confirmation(request):
                return _confirm_exclusion(request, cycle, form.cleaned_data)
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


def _confirm_publish(request, cycle):
    """Issue 13 item 4: what publishing does, before it is done. None when the
    service refuses anyway (published already, no participant, an incomplete
    one): its reason is the answer then, not a question."""
    if cycle.results_published_at is not None:
        return None
    rows = results_for_cycle(cycle)
    if not rows or any(r.status != "complete" for r in rows):
        return None
    spec = services.spec_of(cycle)
    lines = [
        _(
            "The grades and ranks of %(n)d agencies become final and are frozen: no score can be changed and no sheet reopened."
        )
        % {"n": len(rows)},
        _(
            "They are shown on the public results page, and each agency sees its own results and the reviewers' feedback."
        ),
        _("The reward roster is computed from them and frozen with them."),
    ]
    rule = spec.re_evaluation
    carried = sum(1 for r in rows if rule is not None and r.final_grade == rule.grade)
    if carried:
        band = {g.code: g.name for g in spec.grades}.get(rule.grade, rule.grade)
        lines.append(
            _(
                "%(n)d agencies whose %(grade)s stands after re-evaluation are carried over into the evaluation of %(next)s (HSC-11)."
            )
            % {"n": carried, "grade": band, "next": format_roc_year(cycle.year + 1)}
        )
    lines.append(
        _(
            "Undoing it takes an unfreeze with a reason, which is logged; by then the agencies and the public may have seen the results."
        )
    )
    return confirmation(
        request,
        title=_("Publish and freeze the results of %(year)s?")
        % {"year": format_roc_year(cycle.year)},
        consequences=lines,
        action_label=_("Publish and freeze"),
        cancel_url=reverse("reviews:results", args=[cycle.year]),
    )


def _confirm_unfreeze(request, cycle, reason):
    """Issue 13 item 4: unfreezing takes the published results back."""
    lines = [
        _(
            "The published results of %(n)d agencies are withdrawn: the public results page and the agencies' own pages no longer show them."
        )
        % {"n": selectors.published_result_count(cycle)},
        _(
            "Scores can be changed and sheets reopened again; the results must then be published again."
        ),
        _("The reward roster is unfrozen and follows the scores again."),
    ]
    carried = carry_over_count(cycle)
    if carried:
        lines.append(
            _(
                "The carry-over of %(n)d agencies into next year's evaluation (HSC-11) is withdrawn; those it added to a cycle that has not started scoring leave it."
            )
            % {"n": carried}
        )
    lines.append(_("Your reason is logged: “%(reason)s”.") % {"reason": reason})
    return confirmation(
        request,
        title=_("Unfreeze the results of %(year)s?") % {"year": format_roc_year(cycle.year)},
        consequences=lines,
        action_label=_("Unfreeze the results"),
        cancel_url=reverse("reviews:results", args=[cycle.year]),
        destructive=True,
    )


def _confirm_exclusion(request, cycle, d):
    """Issue 13 item 4: an exclusion cannot be taken back on these pages."""
    names = {
        "agency": d["agency"].name,
        "reviewer": str(d["reviewer"]),
        "round": Round(d["round"]).label,
    }
    return confirmation(
        request,
        title=_("Exclude the missing scores of %(reviewer)s for %(agency)s?") % names,
        consequences=[
            _(
                "The result of %(agency)s (%(round)s) is computed without %(reviewer)s, from the other reviewers' submitted sheets."
            )
            % names,
            _("A missing sheet of %(reviewer)s no longer keeps %(agency)s incomplete.") % names,
            _(
                "An exclusion cannot be undone on these pages; it is logged with your reason: “%(reason)s”."
            )
            % {"reason": d["reason"]},
        ],
        action_label=_("Exclude the scores"),
        cancel_url=reverse("reviews:results", args=[cycle.year]),
        destructive=True,
    )


@access(is_office | is_reviewer)
def results_export(request, year, fmt):
    cycle = _results_cycle(request.user, year)
    if fmt not in ("csv", "xlsx", "ods", "pdf"):
        raise Http404
    return file_response(results_bytes(cycle, fmt), f"results-{cycle.year}.{fmt}")


@access(is_office)
def scores_export(request, year, fmt):
    cycle = _cycle(year)
    if fmt not in ("csv", "xlsx", "ods"):
        raise Http404
    data, _count = long_format_bytes(cycle, fmt)
    return file_response(data, f"scores-{cycle.year}.{fmt}")
