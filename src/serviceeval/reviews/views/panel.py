"""The reviewer's home, conflict declarations and the office's panel page (HSC-3)."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.params import id_or_404
from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.models import Cycle
from serviceeval.cycles.selectors import cycles_newest_first

from .. import selectors, services
from ..forms import (
    AssignForm,
    AutoAssignForm,
    ConflictForm,
    OfficeConflictForm,
    PanelMemberForm,
    ReasonForm,
)
from ..models import (
    Assignment,
    Conflict,
    PanelMember,
    Round,
)
from ..selectors import (
    assignments_for,
    cycles_for_reviews,
    sheets_of,
)
from .common import _cycle

# --- home ----------------------------------------------------------------------------


@access(is_office | is_reviewer)
def home(request):
    user = request.user
    if is_office(user):
        cycles = cycles_newest_first()
        return render(request, "reviews/home_office.html", {"cycles": cycles})
    current = selectors.latest_panel_cycle(user)

    def body():
        # The reviewer's own lists, rendered once per revision ({% fragment %} per user).
        assignments = list(assignments_for(user))
        sheets = sheets_of(user)
        for a in assignments:
            a.sheet = sheets.get((a.cycle_id, a.agency_id, a.round))
        return {
            "assignments": assignments,
            "led": cycles_for_reviews(user),
            "conflicts": selectors.conflicts_of(user),
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
        if needs_confirmation(request):
            return _confirm_conflict(
                request,
                cycle,
                reviewer=request.user,
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
                cancel_url=reverse("reviews:home"),
            )
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


def _confirm_conflict(request, cycle, *, reviewer, agency, reason, cancel_url):
    """Issue 13 item 4: a conflict removes the reviewer's assignments to the agency,
    and only the office can waive it."""
    names = {"reviewer": str(reviewer), "agency": agency.name, "year": format_roc_year(cycle.year)}
    removed = selectors.assignment_count(cycle, reviewer=reviewer, agency=agency)
    own = reviewer == request.user
    lines = [
        (
            _("You can no longer review or score %(agency)s in %(year)s.")
            if own
            else _("%(reviewer)s can no longer review or score %(agency)s in %(year)s.")
        )
        % names,
        _("%(n)d assignment(s) to %(agency)s are removed.") % {**names, "n": removed}
        if removed
        else _(
            "No assignment to %(agency)s is removed; none can be made while the conflict stands."
        )
        % names,
        _("Only the program office can waive the conflict, with a reason."),
        _("The reason is logged: “%(reason)s”.") % {"reason": reason},
    ]
    return confirmation(
        request,
        title=(
            _("Declare a conflict of interest with %(agency)s?")
            if own
            else _("Record a conflict of interest of %(reviewer)s with %(agency)s?")
        )
        % names,
        consequences=lines,
        action_label=_("Declare the conflict") if own else _("Record the conflict"),
        cancel_url=cancel_url,
        destructive=bool(removed),
    )


# --- panel (office) --------------------------------------------------------------


ASSIGNMENTS_PAGE = 100  # 2,000 agencies × 3 reviewers nationally (SPEC §5 pages)

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
        if isinstance(bound, HttpResponse):  # a confirmation (issue 13 item 4)
            return bound
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
    listing = selectors.PANEL_ASSIGNMENT_LIST.read(request.GET)
    assignments = Paginator(selectors.panel_assignments(cycle, listing), ASSIGNMENTS_PAGE).get_page(
        listing.page
    )
    conflicts = cycle.conflicts.select_related("reviewer", "agency", "waived_by")
    return render(
        request,
        "reviews/panel.html",
        {
            "cycle": cycle,
            "members": members,
            "assignments": assignments,
            "listing": listing,
            "rounds": Round.choices,
            "groups": selectors.panel_groups(cycle),
            "conflicts": conflicts,
            **forms,
        },
        status=status,
    )


def _panel_action(request, cycle, action):
    """True on success, a dict of bound forms to show errors, None, or the page that
    asks to confirm a removal first (issue 13 item 4)."""
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
        if needs_confirmation(request):
            services.panel_remove_check(member)
            return _confirm_member_removal(request, cycle, member)
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
        if needs_confirmation(request):
            return _confirm_unassign(request, cycle, assignment)
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
        if needs_confirmation(request):
            return _confirm_waiver(request, cycle, conflict, form.cleaned_data["reason"])
        services.conflict_waive(conflict=conflict, reason=form.cleaned_data["reason"], actor=actor)
        messages.success(request, _("Conflict waived; the waiver is logged."))
        return True
    if action == "conflict":
        form = OfficeConflictForm(post, cycle=cycle)
        if not form.is_valid():
            return {"conflict_form": form}
        if needs_confirmation(request):
            return _confirm_conflict(
                request,
                cycle,
                reviewer=form.cleaned_data["reviewer"],
                agency=form.cleaned_data["agency"],
                reason=form.cleaned_data["reason"],
                cancel_url=reverse("reviews:panel", args=[cycle.year]),
            )
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


def _confirm_member_removal(request, cycle, member):
    names = {"name": str(member.user), "year": format_roc_year(cycle.year)}
    n = selectors.assignment_count(cycle, reviewer=member.user)
    return confirmation(
        request,
        title=_("Remove %(name)s from the panel of %(year)s?") % names,
        consequences=[
            _("%(name)s leaves the panel (%(role)s) and can no longer score its agencies.")
            % {**names, "role": member.get_role_display()},
            _("Their %(n)d assignment(s) are removed with them.") % {"n": n},
            _("They can be added again, but their assignments must then be made again."),
        ],
        action_label=_("Remove from the panel"),
        cancel_url=reverse("reviews:panel", args=[cycle.year]),
        destructive=True,
    )


def _confirm_unassign(request, cycle, assignment, cancel_url=None):
    names = {
        "reviewer": str(assignment.reviewer),
        "agency": assignment.agency.name,
        "round": Round(assignment.round).label,
    }
    others = selectors.assignment_count(cycle, agency=assignment.agency, round=assignment.round) - 1
    return confirmation(
        request,
        title=_("Remove the assignment of %(reviewer)s to %(agency)s?") % names,
        consequences=[
            _("%(reviewer)s no longer reviews or scores %(agency)s (%(round)s).") % names,
            _("%(n)d other reviewer(s) stay assigned to %(agency)s in this round.")
            % {**names, "n": others}
            if others
            else _(
                "%(agency)s then has no reviewer in this round: its result stays incomplete until one is assigned."
            )
            % names,
            _("The assignment can be made again."),
        ],
        action_label=_("Remove the assignment"),
        cancel_url=cancel_url or reverse("reviews:panel", args=[cycle.year]),
        destructive=True,
    )


def _confirm_waiver(request, cycle, conflict, reason):
    names = {"reviewer": str(conflict.reviewer), "agency": conflict.agency.name}
    return confirmation(
        request,
        title=_("Waive the conflict of interest of %(reviewer)s with %(agency)s?") % names,
        consequences=[
            _(
                "%(reviewer)s may be assigned to %(agency)s and score it again, despite the conflict: “%(conflict)s”."
            )
            % {**names, "conflict": conflict.reason},
            _("The waiver is logged with your reason: “%(reason)s”.") % {"reason": reason},
            _("Recording the conflict again reinstates it."),
        ],
        action_label=_("Waive the conflict"),
        cancel_url=reverse("reviews:panel", args=[cycle.year]),
    )
