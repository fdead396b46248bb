"""The office's assignment grid: agencies × reviewers, assign and unassign from it,
and the automatic assignment previewed in it before it is saved (issue 12 item 5)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_office
from serviceeval.agencies.enums import Category
from serviceeval.agencies.selectors import groups_all
from serviceeval.core.access import access
from serviceeval.core.confirm import needs_confirmation
from serviceeval.core.params import id_or_404
from serviceeval.cycles.selectors import participant_agencies

from .. import services
from ..models import Assignment, Round
from ..selectors import grid as grid_selectors
from ..selectors import panel_users
from ..selectors.grid import GridFilters
from .common import _cycle
from .panel import _confirm_unassign

NEED_DEFAULT = 3  # the automatic assignment form's minimum (AutoAssignForm)
SHORT_LIST = 20  # agencies named under a preview that leaves some short


def _number(value, default, *, lo, hi):
    text = (value or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 6:
        return default
    return min(max(int(text), lo), hi)


def _filters(get) -> GridFilters:
    round_ = get.get("round", "")
    category = get.get("category", "")
    return GridFilters(
        round=round_ if round_ in Round.values else Round.FIRST,
        group=get.get("group", "").strip()[:20],
        category=category if category in Category.values else "",
        q=get.get("q", "").strip()[:100],
        short=get.get("short") == "1",
        need=_number(get.get("need"), NEED_DEFAULT, lo=1, hi=20),
    )


def _query(filters: GridFilters, **extra) -> str:
    """The grid's query string: the filters that differ from the defaults, then
    `extra` (page, rpage, preview, cap) where given."""
    pairs = [
        ("round", filters.round if filters.round != Round.FIRST else ""),
        ("group", filters.group),
        ("category", filters.category),
        ("q", filters.q),
        ("short", "1" if filters.short else ""),
        ("need", str(filters.need) if filters.need != NEED_DEFAULT else ""),
        *extra.items(),
    ]
    return urlencode([(k, v) for k, v in pairs if v not in ("", None)])


def _url(cycle, query: str) -> str:
    base = reverse("reviews:assignment_grid", args=[cycle.year])
    return f"{base}?{query}" if query else base


@access(is_office)
def assignment_grid(request, year):
    cycle = _cycle(year)
    filters = _filters(request.GET)
    cap = _number(request.GET.get("cap"), None, lo=1, hi=10000)
    page, rpage = request.GET.get("page", ""), request.GET.get("rpage", "")
    if request.method == "POST":
        return _grid_post(request, cycle, filters, cap=cap, page=page, rpage=rpage)
    proposal = None
    if request.GET.get("preview") == "1":
        try:
            proposal = grid_selectors.auto_assign_preview(
                cycle, per_agency=filters.need, cap=cap, round=filters.round
            )
        except services.ReviewError as exc:
            messages.error(request, str(exc))
    agency_ids = (
        services.re_evaluated_agency_ids(cycle) if filters.round == Round.RE_EVALUATION else None
    )
    editable = cycle.results_published_at is None and proposal is None
    preview_query = {"preview": "1", "cap": cap or ""}
    body = SimpleLazyObject(
        lambda: {
            "grid": grid_selectors.assignment_grid(
                cycle,
                filters,
                page=page,
                column_page=rpage,
                agency_ids=agency_ids,
                proposal=proposal,
            ),
            "groups": list(groups_all().order_by("code")),
        }
    )
    here = {"page": page, "rpage": rpage}
    if proposal is not None:
        here.update(preview_query)
    return render(
        request,
        "reviews/assignment_grid.html",
        {
            "cycle": cycle,
            "body": body,
            "filters": filters,
            "cap": cap,
            "page_number": page,
            "rpage_number": rpage,
            "categories": Category.choices,
            "rounds": Round.choices,
            "round_label": Round(filters.round).label,
            "proposal": proposal,
            "short_names": proposal.short[:SHORT_LIST] if proposal else (),
            "short_more": max(len(proposal.short) - SHORT_LIST, 0) if proposal else 0,
            "editable": editable,
            "frozen": cycle.results_published_at is not None,
            # The pagers' and the forms' queries: every filter kept.
            "rows_query": _query(filters, rpage=rpage, **(preview_query if proposal else {})),
            "columns_query": _query(filters, page=page, **(preview_query if proposal else {})),
            "action_url": _url(cycle, _query(filters, **here)),
            "grid_url": _url(cycle, _query(filters, page=page, rpage=rpage)),
            # The fragment's key: everything the table depends on.
            "fragment_key": (
                cycle.pk,
                tuple(vars(filters).values()),
                cap,
                page,
                rpage,
                proposal.digest if proposal else "",
                editable,
            ),
        },
    )


def _grid_post(request, cycle, filters, *, cap, page, rpage):
    """Assign, unassign (asked first) or save the previewed automatic assignment;
    back to the same filtered page of the grid."""
    post, actor = request.POST, request.user
    back = _url(cycle, _query(filters, page=page, rpage=rpage))
    if "auto_confirm" in post:
        return _confirm_auto(request, cycle, filters, cap=cap)
    try:
        if "assign" in post:
            reviewer_id, _sep, agency_id = post.get("assign", "").partition(":")
            reviewer = get_object_or_404(panel_users(cycle), pk=id_or_404(reviewer_id))
            agency = get_object_or_404(participant_agencies(cycle), pk=id_or_404(agency_id))
            services.assign(
                cycle=cycle, reviewer=reviewer, agency=agency, round=filters.round, actor=actor
            )
            messages.success(
                request,
                _("%(reviewer)s is assigned to %(agency)s.")
                % {"reviewer": reviewer, "agency": agency.name},
            )
        elif "unassign" in post:
            assignment = get_object_or_404(
                Assignment.objects.select_related("reviewer", "agency"),
                pk=id_or_404(post.get("unassign")),
                cycle=cycle,
            )
            if needs_confirmation(request):
                return _confirm_unassign(request, cycle, assignment, cancel_url=back)
            services.unassign(assignment=assignment, actor=actor)
            messages.success(
                request,
                _("%(reviewer)s is no longer assigned to %(agency)s.")
                % {"reviewer": assignment.reviewer, "agency": assignment.agency.name},
            )
        else:
            raise Http404
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    return redirect(back)


def _confirm_auto(request, cycle, filters, *, cap):
    """Save exactly the previewed proposal: the service recomputes it and compares
    its digest; when the data changed in between, nothing is saved and the new
    preview is shown."""
    try:
        report = services.auto_assign(
            cycle=cycle,
            actor=request.user,
            per_agency=filters.need,
            cap=cap,
            round=filters.round,
            expected_digest=request.POST.get("digest", ""),
        )
    except services.ProposalChanged as exc:
        messages.error(request, str(exc))
        return redirect(_url(cycle, _query(filters, preview="1", cap=cap or "")))
    except services.ReviewError as exc:
        messages.error(request, str(exc))
        return redirect(_url(cycle, _query(filters)))
    messages.success(request, _("%(n)d assignments created.") % {"n": report.created})
    if report.short:
        messages.warning(
            request,
            _(
                "%(n)d agencies still need reviewers: no eligible reviewer under the cap. Filter the grid by agencies short of reviewers to see them."
            )
            % {"n": len(report.short)},
        )
    return redirect(_url(cycle, _query(filters)))
