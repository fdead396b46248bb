"""Reads for the agency's feedback report."""

from __future__ import annotations

from collections import defaultdict

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_office
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.models import Participant
from serviceeval.submissions.selectors import report_for_reviewer

from ..conflicts import conflicted_pairs
from ..models import Result, Round, Score, SheetStatus
from ..presentation import grade_names as _grade_names
from ..presentation import points as _points
from ..services.base import spec_of
from ..services.results import compute_cycle, result_detail
from . import improvements_visible_to, previous_result


def _last(previous, prev_nodes: dict, code: str) -> str:
    """The "last time" cell (issue 12 item 3): the previous result's points for the
    node and the year they are from (under group rotation not always last year),
    「民國104年度：85.2」; "—" when there is none."""
    if previous is None or code not in prev_nodes:
        return "—"
    return _("%(year)s: %(points)s") % {
        "year": format_roc_year(previous.cycle.year),
        "points": _points(prev_nodes[code]),
    }


def feedback_report(user, *, cycle, agency_id: int) -> dict:
    """The feedback report of an agency (page and ODT/PDF): panel points per node
    beside the self-assessment and the agency's previous result, the reviewers'
    comments without their names. Agencies see it once the results are published;
    another agency's answers 404."""
    agency = get_object_or_404(agencies_visible_to(user), pk=agency_id)
    participant = get_object_or_404(Participant, cycle=cycle, agency=agency)
    result = Result.objects.filter(cycle=cycle, agency=agency).first()
    if not is_office(user) and result is None:
        raise Http404  # agencies see their feedback once the results are published
    spec = spec_of(cycle)
    if result is not None:
        detail = result.detail
    else:
        live = {r.agency_id: r for r in compute_cycle(cycle)}.get(agency.pk)
        detail = result_detail(live) if live else {}
    nodes = detail.get("nodes", {})
    previous = previous_result(cycle=cycle, agency=agency, category=participant.category)
    prev_nodes = previous.detail.get("nodes", {}) if previous else {}
    report = report_for_reviewer(cycle=cycle, agency=agency)
    entries = report.entries_by_code if report is not None else {}
    comments = defaultdict(list)
    # A reviewer with an unwaived conflict with the agency says nothing in its report.
    blocked = {r for r, a in conflicted_pairs(cycle) if a == agency.pk}
    for code, comment in (
        Score.objects.filter(
            sheet__cycle=cycle,
            sheet__agency=agency,
            sheet__status=SheetStatus.SUBMITTED,
            sheet__round=Round.FIRST,
        )
        .exclude(comment="")
        .exclude(sheet__reviewer_id__in=blocked)
        .order_by("sheet__reviewer_id")
        .values_list("criterion", "comment")
    ):
        comments[code].append(comment)
    rows = []
    for node in spec.category(participant.category).nodes():
        entry = entries.get(node.code)
        rows.append(
            {
                "node": node,
                "depth": node.code.count(".") + 1,
                "panel": _points(nodes.get(node.code)) if node.code in nodes else "—",
                "self": _points(entry.self_score)
                if entry and entry.self_score is not None
                else "—",
                "last": _last(previous, prev_nodes, node.code),
                "last_points": _points(prev_nodes[node.code]) if node.code in prev_nodes else "",
                "comments": comments.get(node.code, []) if node.leaf else [],
            }
        )
    names = _grade_names(spec)
    return {
        "cycle": cycle,
        "agency": agency,
        "result": result,
        "rows": rows,
        "previous": previous,
        "grade": names.get(result.grade, "") if result else "",
        "final_grade": names.get(result.final_grade, "") if result else "",
        "prev_grade": names.get(previous.final_grade, previous.final_grade) if previous else "",
        "improvements": improvements_visible_to(user).filter(cycle=cycle, agency=agency),
    }
