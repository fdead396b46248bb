"""Pages of the panel review: panel, sheets, results, calibration, feedback,
improvement items. Every view is classified by `access`; every object goes
through a selector so what a user may not see answers 404."""

from __future__ import annotations

from collections import defaultdict
from copy import copy
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.models import User
from serviceeval.accounts.rules import is_agency_staff, is_office, is_reviewer
from serviceeval.agencies.models import Agency
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.core import fragments
from serviceeval.core.access import access
from serviceeval.core.memo import memo, revision
from serviceeval.core.params import id_or_404
from serviceeval.core.uploads import serve_upload
from serviceeval.cycles.models import Cycle, Participant
from serviceeval.engine.calibration import calibrate
from serviceeval.exports.http import file_response
from serviceeval.fieldtests.selectors import field_test_figures
from serviceeval.submissions.selectors import report_for_reviewer

from . import rules, services
from .exporters import feedback_bytes, long_format_bytes, results_bytes
from .forms import (
    AssignForm,
    AutoAssignForm,
    ConflictForm,
    DecideForm,
    ExclusionForm,
    ImprovementForm,
    OfficeConflictForm,
    PanelMemberForm,
    ReasonForm,
    RespondForm,
    TieBreakForm,
    VisitForm,
)
from .models import (
    Assignment,
    Conflict,
    Exclusion,
    ImprovementEvidence,
    PanelMember,
    Result,
    Round,
    Score,
    Sheet,
    SheetStatus,
    SiteVisit,
)
from .selectors import (
    assignments_for,
    cycles_for_reviews,
    improvements_visible_to,
    previous_result,
    results_for_cycle,
    sheets_of,
)

ROUND_SLUGS = {"first": Round.FIRST, "re-evaluation": Round.RE_EVALUATION}


def _cycle(year) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("program"), year=year)


def _grade_names(spec) -> dict:
    return {g.code: g.name for g in spec.grades}


def _points(value) -> str:
    """Points for display: exact decimals trimmed, at most two places."""
    if value is None:
        return "—"
    value = Decimal(value)
    q = value.quantize(Decimal("0.01"))
    text = format(q, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- home ----------------------------------------------------------------------------


@access(is_office | is_reviewer)
def home(request):
    user = request.user
    if is_office(user):
        cycles = Cycle.objects.select_related("program").order_by("-year")
        return render(request, "reviews/home_office.html", {"cycles": cycles})
    current = Cycle.objects.filter(panel__user=user).order_by("-year").first()

    def body():
        # The reviewer's own lists, rendered once per revision ({% fragment %} per user).
        assignments = list(assignments_for(user))
        sheets = sheets_of(user)
        for a in assignments:
            a.sheet = sheets.get((a.cycle_id, a.agency_id, a.round))
        return {
            "assignments": assignments,
            "led": cycles_for_reviews(user),
            "conflicts": Conflict.objects.filter(reviewer=user).select_related("agency", "cycle"),
        }

    return render(
        request,
        "reviews/home_reviewer.html",
        {
            "body": SimpleLazyObject(body),
            "current": current,
            # Unbound: its fields (2,000 agencies) are a fragment; the CSRF token is not.
            "conflict_form": SimpleLazyObject(lambda: {"form": ConflictForm(cycle=current)}),
        },
    )


@require_POST
@access(is_reviewer)
def declare_conflict(request, year):
    cycle = get_object_or_404(Cycle, year=year, panel__user=request.user)
    form = ConflictForm(request.POST, cycle=cycle)
    if form.is_valid():
        services.conflict_declare(
            cycle=cycle,
            reviewer=request.user,
            agency=form.cleaned_data["agency"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        messages.success(request, _("Conflict of interest recorded; the assignment is removed."))
    else:
        messages.error(request, _("Choose the agency and give a reason."))
    return redirect("reviews:home")


# --- panel (office) --------------------------------------------------------------


PANEL_ACTIONS = (
    "add_member",
    "remove_member",
    "assign",
    "unassign",
    "auto_assign",
    "waive",
    "conflict",
)


@access(is_office)
def panel(request, year):
    cycle = _cycle(year)
    forms = {
        "member_form": PanelMemberForm(),
        "assign_form": AssignForm(cycle=cycle),
        "auto_form": AutoAssignForm(),
        "conflict_form": OfficeConflictForm(cycle=cycle),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            bound = _panel_action(request, cycle, action)
        except services.ReviewError as exc:
            messages.error(request, str(exc))
            bound = None
            status = 400
        if bound is True:
            return redirect("reviews:panel", year=cycle.year)
        if bound:
            forms.update(bound)
            status = 400
    members = list(cycle.panel.select_related("user").order_by("role", "user__username"))
    load = defaultdict(int)
    for reviewer_id in cycle.assignments.values_list("reviewer_id", flat=True):
        load[reviewer_id] += 1
    for m in members:
        m.load = load[m.user_id]
    assignments = cycle.assignments.select_related("reviewer", "agency").order_by(
        "round", "agency__code", "reviewer__username"
    )
    conflicts = cycle.conflicts.select_related("reviewer", "agency", "waived_by")
    return render(
        request,
        "reviews/panel.html",
        {
            "cycle": cycle,
            "members": members,
            "assignments": assignments,
            "conflicts": conflicts,
            **forms,
        },
        status=status,
    )


def _panel_action(request, cycle, action):
    """True on success, a dict of bound forms to show errors, or None."""
    post, actor = request.POST, request.user
    if action == "add_member":
        form = PanelMemberForm(post)
        if not form.is_valid():
            return {"member_form": form}
        services.panel_add(
            cycle=cycle,
            user=form.cleaned_data["user"],
            role=form.cleaned_data["role"],
            actor=actor,
            max_assignments=form.cleaned_data["max_assignments"],
        )
        messages.success(request, _("Panel member saved."))
        return True
    if action == "remove_member":
        member = get_object_or_404(PanelMember, pk=id_or_404(post.get("member")), cycle=cycle)
        services.panel_remove(member=member, actor=actor)
        messages.success(request, _("Panel member removed."))
        return True
    if action == "assign":
        form = AssignForm(post, cycle=cycle)
        if not form.is_valid():
            return {"assign_form": form}
        services.assign(
            cycle=cycle,
            reviewer=form.cleaned_data["reviewer"],
            agency=form.cleaned_data["agency"],
            round=form.cleaned_data["round"],
            actor=actor,
        )
        messages.success(request, _("Reviewer assigned."))
        return True
    if action == "unassign":
        assignment = get_object_or_404(
            Assignment, pk=id_or_404(post.get("assignment")), cycle=cycle
        )
        services.unassign(assignment=assignment, actor=actor)
        messages.success(request, _("Assignment removed."))
        return True
    if action == "auto_assign":
        form = AutoAssignForm(post)
        if not form.is_valid():
            return {"auto_form": form}
        report = services.auto_assign(
            cycle=cycle,
            actor=actor,
            round=form.cleaned_data["round"],
            per_agency=form.cleaned_data["per_agency"],
            cap=form.cleaned_data["cap"],
        )
        messages.success(request, _("%(n)d assignments created.") % {"n": report.created})
        for name, missing in report.short:
            messages.warning(
                request,
                _("%(agency)s still needs %(n)d reviewer(s): no eligible reviewer under the cap.")
                % {"agency": name, "n": missing},
            )
        return True
    if action == "waive":
        conflict = get_object_or_404(Conflict, pk=id_or_404(post.get("conflict")), cycle=cycle)
        form = ReasonForm(post)
        if not form.is_valid():
            messages.error(request, _("A waiver needs a reason."))
            return None
        services.conflict_waive(conflict=conflict, reason=form.cleaned_data["reason"], actor=actor)
        messages.success(request, _("Conflict waived; the waiver is logged."))
        return True
    if action == "conflict":
        form = OfficeConflictForm(post, cycle=cycle)
        if not form.is_valid():
            return {"conflict_form": form}
        services.conflict_declare(
            cycle=cycle,
            reviewer=form.cleaned_data["reviewer"],
            agency=form.cleaned_data["agency"],
            reason=form.cleaned_data["reason"],
            actor=actor,
            source="office",
        )
        messages.success(request, _("Conflict of interest recorded; the assignment is removed."))
        return True
    raise Http404


# --- the score sheet ------------------------------------------------------------------


@access(is_reviewer)
def sheet(request, year, agency_id, round):
    round_ = ROUND_SLUGS.get(round)
    if round_ is None:
        raise Http404
    cycle = _cycle(year)
    participant = get_object_or_404(
        Participant.objects.select_related("agency", "group"), cycle=cycle, agency_id=agency_id
    )
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
    the_sheet = get_object_or_404(Sheet.objects.select_related("cycle", "agency"), pk=pk)
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
    participant = get_object_or_404(
        Participant.objects.select_related("agency", "group"), cycle=cycle, agency_id=agency_id
    )
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
    sheets = list(
        Sheet.objects.filter(cycle=cycle, agency_id=agency_id)
        .select_related("reviewer")
        .order_by("round", "reviewer__username")
    )
    assigned = Assignment.objects.filter(cycle=cycle, agency_id=agency_id).select_related(
        "reviewer"
    )
    visits = SiteVisit.objects.filter(cycle=cycle, agency_id=agency_id).prefetch_related("members")
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


# --- results (office, convener) ----------------------------------------------------


def _results_cycle(user, year) -> Cycle:
    return get_object_or_404(cycles_for_reviews(user), year=year)


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
            "exclusions": Exclusion.objects.filter(cycle=cycle).select_related(
                "agency", "reviewer"
            ),
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
            services.publish_results(cycle=cycle, actor=request.user)
            messages.success(request, _("Results published and frozen."))
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


# --- calibration -------------------------------------------------------------------


def _first_round_scores(cycle):
    return {
        (a, r, c): s
        for a, r, c, s in Score.objects.filter(
            sheet__cycle=cycle,
            sheet__round=Round.FIRST,
            sheet__status=SheetStatus.SUBMITTED,
            score__isnull=False,
        )
        .order_by()
        .values_list("sheet__agency_id", "sheet__reviewer_id", "criterion", "score")
    }


def _max_points(spec):
    out = {}
    for category in spec.categories:
        for leaf in category.leaves():
            out[leaf.code] = leaf.max_points
    return out


@access(is_office | is_reviewer)
def calibration(request, year):
    cycle = _results_cycle(request.user, year)
    spec = services.spec_of(cycle)

    def body():
        # 260,000 scores at national scale: computed once per data revision (core.memo),
        # rendered once per revision ({% fragment %}).
        stats, flags = memo(
            ("calibration", cycle.pk, cycle.created),
            revision(),
            lambda: calibrate(_first_round_scores(cycle), _max_points(spec), spec.scoring),
        )
        ids = {s.reviewer_id for s in stats} | {r for f in flags for r, _ in f.scores}
        people = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        agencies = {a.pk: a for a in Agency.objects.filter(pk__in={f.agency_id for f in flags})}
        names = {leaf.code: leaf.name for c in spec.categories for leaf in c.leaves()}
        flag_rows = [
            {
                "agency": agencies[f.agency_id],
                "code": f.criterion,
                "name": names.get(f.criterion, ""),
                "low": _points(f.low),
                "high": _points(f.high),
                "max": _points(f.max_points),
                "scores": [(people.get(r), _points(v)) for r, v in f.scores],
            }
            for f in flags
        ]
        stat_rows = [
            {
                "reviewer": people.get(s.reviewer_id),
                "n": s.n,
                "mean": s.mean,
                "spread": s.spread,
                "deviation": s.deviation,
            }
            for s in stats
        ]
        return {"stats": stat_rows, "flags": flag_rows}

    return render(
        request,
        "reviews/calibration.html",
        {
            "cycle": cycle,
            "body": SimpleLazyObject(body),
            "margin": _points(spec.scoring.disagreement_margin * 100),
        },
    )


@access(is_office | is_reviewer)
def calibration_agency(request, year, agency_id):
    """The agency's submitted sheets side by side, flagged criteria marked."""
    cycle = _results_cycle(request.user, year)
    participant = get_object_or_404(
        Participant.objects.select_related("agency"), cycle=cycle, agency_id=agency_id
    )
    if not rules.can_open_agency_review(request.user, rules.ReviewTarget(cycle.pk, agency_id)):
        raise Http404
    spec = services.spec_of(cycle)
    sheets = list(
        Sheet.objects.filter(cycle=cycle, agency_id=agency_id, round=Round.FIRST)
        .select_related("reviewer")
        .order_by("reviewer__username")
    )
    cells = {
        (s.sheet_id, s.criterion): s for s in Score.objects.filter(sheet__in=[x.pk for x in sheets])
    }
    margin = spec.scoring.disagreement_margin
    rows = []
    for leaf in spec.category(participant.category).leaves():
        values = [cells.get((sh.pk, leaf.code)) for sh in sheets]
        numbers = [
            v.score
            for v, sh in zip(values, sheets, strict=True)
            if v and v.score is not None and sh.status == SheetStatus.SUBMITTED
        ]
        flagged = len(numbers) > 1 and max(numbers) - min(numbers) > margin * leaf.max_points
        rows.append(
            {
                "leaf": leaf,
                "flagged": flagged,
                "cells": [
                    (_points(v.score) if v and v.score is not None else "", v.comment if v else "")
                    for v in values
                ],
            }
        )
    return render(
        request,
        "reviews/calibration_agency.html",
        {"cycle": cycle, "agency": participant.agency, "sheets": sheets, "rows": rows},
    )


# --- feedback report (agency) --------------------------------------------------------


def _feedback_context(user, year, agency_id) -> dict:
    cycle = _cycle(year)
    agency = get_object_or_404(agencies_visible_to(user), pk=agency_id)
    participant = get_object_or_404(Participant, cycle=cycle, agency=agency)
    result = Result.objects.filter(cycle=cycle, agency=agency).first()
    if not is_office(user) and result is None:
        raise Http404  # agencies see their feedback once the results are published
    spec = services.spec_of(cycle)
    if result is not None:
        detail = result.detail
    else:
        live = {r.agency_id: r for r in services.compute_cycle(cycle)}.get(agency.pk)
        detail = services._detail(live) if live else {}
    nodes = detail.get("nodes", {})
    previous = previous_result(cycle=cycle, agency=agency, category=participant.category)
    prev_nodes = previous.detail.get("nodes", {}) if previous else {}
    report = report_for_reviewer(cycle=cycle, agency=agency)
    entries = report.entries_by_code if report is not None else {}
    comments = defaultdict(list)
    for code, comment in (
        Score.objects.filter(
            sheet__cycle=cycle,
            sheet__agency=agency,
            sheet__status=SheetStatus.SUBMITTED,
            sheet__round=Round.FIRST,
        )
        .exclude(comment="")
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
                "last": _points(prev_nodes.get(node.code)) if node.code in prev_nodes else "—",
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


@access(is_office | is_agency_staff)
def feedback(request, year, agency_id):
    ctx = _feedback_context(request.user, year, agency_id)
    return render(request, "reviews/feedback.html", ctx)


@access(is_office | is_agency_staff)
def feedback_export(request, year, agency_id, fmt):
    """The feedback report as ODT (ODF, for public documents) or PDF."""
    if fmt not in ("odt", "pdf"):
        raise Http404
    ctx = _feedback_context(request.user, year, agency_id)
    data = feedback_bytes(ctx, fmt)
    return file_response(data, f"feedback-{ctx['cycle'].year}-{ctx['agency'].code}.{fmt}")


# --- improvement items (HSC-12) ---------------------------------------------------------


@access(is_office | is_agency_staff)
def improvements(request):
    user = request.user
    items = improvements_visible_to(user).order_by("deadline", "id")
    cycle = Cycle.objects.select_related("program").order_by("-year").first()
    form = None
    status = 200
    if is_office(user):
        year = request.POST.get("cycle") or request.GET.get("cycle")
        if year:
            if not year.isdigit() or len(year) > 4:
                raise Http404
            cycle = get_object_or_404(Cycle.objects.select_related("program"), year=int(year))
        form = ImprovementForm(cycle=cycle, initial={"agency": request.GET.get("agency")})
        if request.method == "POST":
            form = ImprovementForm(request.POST, cycle=cycle)
            if form.is_valid():
                try:
                    services.improvement_create(cycle=cycle, actor=user, **form.cleaned_data)
                except services.ReviewError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("Improvement item sent to the agency."))
                    return redirect("reviews:improvements")
            status = 400
    elif request.method == "POST":
        raise Http404
    today = timezone.localdate()
    items = list(items)
    for item in items:
        item.overdue = item.is_overdue(today)
    published = []
    if not is_office(user):
        published = (
            Result.objects.filter(agency__in=agencies_visible_to(user))
            .select_related("cycle", "agency")
            .order_by("-cycle__year", "agency__code")
        )
    return render(
        request,
        "reviews/improvements.html",
        {
            "items": items,
            "form": form,
            "cycle": cycle,
            "published": published,
            "cycles": Cycle.objects.order_by("-year") if is_office(user) else [],
        },
        status=status,
    )


@access(is_office | is_agency_staff)
def improvement(request, pk):
    item = get_object_or_404(improvements_visible_to(request.user), pk=pk)
    user = request.user
    # A parent agency sees its subordinates' items (CITY-6) but does not answer them.
    can_answer = rules.can_answer_improvement(user, item)
    respond_form = RespondForm() if can_answer else None
    decide_form = DecideForm() if is_office(user) else None
    status = 200
    if request.method == "POST":
        if not is_office(user) and not can_answer:
            raise PermissionDenied
        try:
            if is_office(user):
                decide_form = DecideForm(request.POST)
                if decide_form.is_valid():
                    services.improvement_decide(
                        item=item,
                        close=decide_form.cleaned_data["decision"] == "close",
                        note=decide_form.cleaned_data["note"],
                        actor=user,
                    )
                    messages.success(request, _("Decision recorded."))
                    return redirect("reviews:improvement", pk=item.pk)
            else:
                respond_form = RespondForm(request.POST, request.FILES)
                if respond_form.is_valid():
                    services.improvement_respond(
                        item=item,
                        response=respond_form.cleaned_data["response"],
                        files=respond_form.cleaned_data["files"],
                        actor=user,
                    )
                    messages.success(request, _("Your answer is sent to the program office."))
                    return redirect("reviews:improvement", pk=item.pk)
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        status = 400
    item.overdue = item.is_overdue(timezone.localdate())
    return render(
        request,
        "reviews/improvement.html",
        {
            "item": item,
            "evidence": item.evidence.all(),
            "respond_form": respond_form,
            "decide_form": decide_form,
        },
        status=status,
    )


@access(is_office | is_agency_staff)
def improvement_evidence(request, pk, evidence_id):
    item = get_object_or_404(improvements_visible_to(request.user), pk=pk)
    evidence = get_object_or_404(ImprovementEvidence, pk=evidence_id, improvement=item)
    return serve_upload(evidence.file, evidence.name)
