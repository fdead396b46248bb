"""Foundation pages: home, sign-in, dashboards, agencies, cycles, programs."""

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.forms import LoginForm
from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.selectors import (
    agencies_visible_to,
    groups_all,
    roster_cycles,
    roster_for,
)
from serviceeval.agencies.selectors import agency_list as agency_list_of
from serviceeval.agencies.services import agency_move_category
from serviceeval.core import fragments
from serviceeval.core.access import LOGIN, PUBLIC, access
from serviceeval.core.audit import history_for
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.listing import ListSpec
from serviceeval.core.nav import PANELS
from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.selectors import (
    carry_over_owed,
    cycles_newest_first,
    cycles_visible_to,
    cycles_with_counts,
    participants_of,
    years_without_calendar,
)
from serviceeval.cycles.services import CycleError, carry_over_add_owed
from serviceeval.programs import services as program_services
from serviceeval.programs.models import Program
from serviceeval.programs.selectors import program_versions, programs_with_use

from . import program_pages
from .agency_people import people_form_for
from .forms import CategoryMoveForm
from .program_pages import ProgramUploadForm, can_manage_programs


@access(PUBLIC)
def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    cycles = cycles_newest_first()[:5]
    return render(request, "web/home.html", {"cycles": cycles})


@method_decorator(access(PUBLIC), name="dispatch")
class LoginView(DjangoLoginView):
    template_name = "web/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["timed_out"] = self.request.GET.get("timeout") == "1"
        return ctx


LoginView.access_level = PUBLIC


@access(PUBLIC)
def logout_view(request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    logout(request)
    messages.info(request, _("You have signed out."))
    return redirect("home")


@access(LOGIN)
def session_ping(request):
    """Keeps an active session alive (POST) or tells how long is left (GET)."""
    from django.conf import settings

    return JsonResponse({"idle_timeout": settings.SESSION_IDLE_TIMEOUT_SECONDS})


def _panel_html(request, panel) -> str:
    ctx = panel.context(request)
    return "" if ctx is None else render_to_string(panel.template, {"panel": ctx}, request=request)


@access(LOGIN)
def dashboard(request):
    now = timezone.now()
    user = request.user
    scopes = {"role": (user.role,), "agency": (user.role, user.agency_id), "user": (user.pk,)}
    panels = []
    for panel in PANELS:
        if not panel.allowed(user):
            continue
        if panel.scope:
            # Kept per revision and minute: "upcoming" and "overdue" move with the clock.
            parts = (panel.template, *scopes[panel.scope], now.replace(second=0, microsecond=0))
            html = fragments.cached("panel", parts, lambda panel=panel: _panel_html(request, panel))
            if html:
                panels.append({"html": html})
            continue
        ctx = panel.context(request)
        if ctx is not None:
            panels.append({"template": panel.template, **ctx})
    return render(request, "web/dashboard.html", {"panels": panels, "now": now})


AGENCY_PAGE_SIZE = 100
# Issue 12 item 4: search by code or name, filter, sort by any column, in the URL.
AGENCY_LIST = ListSpec(
    filters=("group", "kind"),
    sorts={
        "code": ("code",),
        "name": ("name", "code"),
        "kind": ("kind", "code"),
        "category": ("category", "code"),
        "group": ("group__code", "code"),
        "parent": ("parent__name", "code"),
    },
    default_sort="group",
)


@access(is_office | is_agency_staff)
def agency_list(request):
    listing = AGENCY_LIST.read(request.GET)

    def body():
        # Rendered once per revision, filters, sort, page and scope ({% fragment %}).
        agencies = agency_list_of(request.user, listing)
        # 2,000 agencies nationally: AGENCY_PAGE_SIZE a page (SPEC §5 pages).
        page = Paginator(agencies, AGENCY_PAGE_SIZE).get_page(listing.page)
        return {"agencies": page.object_list, "page": page, "groups": groups_all()}

    return render(
        request,
        "web/agency_list.html",
        {
            "body": SimpleLazyObject(body),
            "listing": listing,
            "page_query": f"{listing.query_without_page}&" if listing.query_without_page else "",
            "group": listing.get("group"),
            "kind": listing.get("kind"),
            "kinds": AgencyKind.choices,
            # Who sees which agencies (agencies_visible_to): the fragment key.
            "scope": (request.user.role, request.user.agency_id),
        },
    )


@access(is_office | is_agency_staff)
def agency_detail(request, pk):
    agency = get_object_or_404(agencies_visible_to(request.user), pk=pk)
    participations = agency.participations.select_related(
        "cycle", "cycle__program", "group"
    ).order_by("-cycle__year")
    ctx = {
        "agency": agency,
        "children": agency.children.all(),
        "roster": roster_for(agency),
        "participations": participations,
        "moves": agency.category_moves.select_related("by"),
        "history": history_for(agency)[:20] if is_office(request.user) else [],
        "move_form": CategoryMoveForm(initial={"category": agency.category}),
    }
    if is_office(request.user):
        # Issue 11 item 4: the reward recipients per cycle, edited here.
        cycles = roster_cycles(agency)
        ctx["people_form"], ctx["people_cycle"] = people_form_for(
            agency, request.GET.get("people_cycle"), cycles
        )
    return render(request, "web/agency_detail.html", ctx)


@require_POST
@access(is_office)
def agency_category(request, pk):
    agency = get_object_or_404(agencies_visible_to(request.user), pk=pk)
    form = CategoryMoveForm(request.POST)
    if form.is_valid():
        agency_move_category(
            agency=agency,
            category=form.cleaned_data["category"],
            user=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, _("Category updated; the move is recorded."))
        return redirect("agency_detail", pk=agency.pk)
    ctx = {
        "agency": agency,
        "children": agency.children.all(),
        "roster": roster_for(agency),
        "participations": agency.participations.select_related("cycle", "group"),
        "moves": agency.category_moves.select_related("by"),
        "history": history_for(agency)[:20],
        "move_form": form,
    }
    return render(request, "web/agency_detail.html", ctx, status=400)


@access(is_office)
def cycle_list(request):
    return render(request, "web/cycle_list.html", {"cycles": cycles_with_counts()})


@access(is_office | is_agency_staff)
def cycle_detail(request, year):
    cycle = get_object_or_404(cycles_visible_to(request.user), year=year)
    participants = participants_of(cycle)
    if not is_office(request.user):
        participants = participants.filter(agency__in=agencies_visible_to(request.user))
    by_group = (
        participants.values("group__code", "group__name")
        .annotate(n=Count("id"))
        .order_by("group__code")
    )
    return render(
        request,
        "web/cycle_detail.html",
        {
            "cycle": cycle,
            "participants": participants,
            "by_group": by_group,
            "milestones": cycle.milestones.all(),
            "owed": carry_over_owed(cycle) if is_office(request.user) else [],
            "no_calendar": years_without_calendar(cycle) if is_office(request.user) else [],
        },
    )


@access(is_office)
@require_POST
def cycle_carry_over_add(request, year):
    """HSC-11: add an agency this cycle owes (carried over after scoring started)."""
    cycle = get_object_or_404(cycles_visible_to(request.user), year=year)
    try:
        agency_id = int(request.POST.get("agency", ""))
        if needs_confirmation(request) and (
            asked := _confirm_carry_over(request, cycle, agency_id)
        ):
            return asked
        participant = carry_over_add_owed(cycle=cycle, agency_id=agency_id, user=request.user)
    except (ValueError, CycleError) as exc:
        message = str(exc) if isinstance(exc, CycleError) else _("Choose an agency.")
        messages.error(request, message)
    else:
        messages.success(
            request, _("%(agency)s now takes part (HSC-11).") % {"agency": participant.agency.name}
        )
    return redirect("cycle_detail", year=cycle.year)


def _confirm_carry_over(request, cycle, agency_id):
    """Issue 13 item 4: a participant cannot be removed on these pages. None when the
    agency is not owed (the service says so)."""
    owed = next((co for co in carry_over_owed(cycle) if co.agency_id == agency_id), None)
    if owed is None:
        return None
    names = {"agency": owed.agency.name, "year": format_roc_year(cycle.year)}
    return confirmation(
        request,
        title=_("Add %(agency)s to %(year)s as a participant?") % names,
        consequences=[
            _(
                "%(agency)s takes part in %(year)s although its scoring has started (HSC-11): %(reason)s"
            )
            % {**names, "reason": owed.reason},
            _(
                "It needs reviewers assigned and its own plan and report; until it is scored the results of %(year)s cannot be published."
            )
            % names,
            _("A participant cannot be removed on these pages."),
        ],
        action_label=_("Add as participant"),
        cancel_url=reverse("cycle_detail", args=[cycle.year]),
    )


@access(can_manage_programs)
def program_list(request):
    programs = programs_with_use()
    return render(
        request, "web/program_list.html", {"programs": programs, "form": ProgramUploadForm()}
    )


@access(can_manage_programs)
def program_detail(request, pk):
    program = get_object_or_404(Program, pk=pk)
    versions = list(program_versions(program))
    # The "compare with" select (issue 11 item 3) submits here: go to the compare page.
    other = request.GET.get("compare", "")
    if other.isdigit() and int(other) in {v.pk for v in versions}:
        return redirect("program_compare", pk=program.pk, other_pk=int(other))
    return render(request, "web/program_detail.html", program_pages.page_context(program, versions))


@require_POST
@access(can_manage_programs)
def program_confirm(request, pk):
    """The office confirms a provisional program's defaults (SPEC §3.2)."""
    program = get_object_or_404(programs_with_use(), pk=pk)
    if program.confirmed_at is None and any(k.startswith("points-") for k in request.POST):
        # Issue 11 item 3, CITY-16: confirmed with edited points → a new version.
        edited = program_pages.confirm_with_points(request, program)
        if edited is not None:
            return edited
    if program.confirmed_at is None and needs_confirmation(request):
        names = {"name": program.name, "code": program.code, "version": program.version}
        return confirmation(
            request,
            title=_("Confirm the points of %(name)s (%(code)s v%(version)s)?") % names,
            consequences=[
                _("The provisional points of %(name)s become its confirmed points.") % names,
                _(
                    "The provisional banner disappears from the program and from the %(n)d cycle(s) that use it."
                )
                % {"n": program.n_cycles},
                _("This cannot be undone: different points need a new version of the program."),
            ],
            action_label=_("Confirm the points"),
            cancel_url=reverse("program_detail", args=[program.pk]),
        )
    if program_services.program_confirm(program=program, actor=request.user):
        messages.success(request, _("The program's provisional points are confirmed."))
    return redirect("program_detail", pk=program.pk)


def error_403(request, exception=None):
    return render(
        request,
        "web/error.html",
        {"code": 403, "message": _("You do not have access to this page.")},
        status=403,
    )


def error_404(request, exception=None):
    return render(
        request,
        "web/error.html",
        {"code": 404, "message": _("The page was not found.")},
        status=404,
    )


def error_500(request):
    return render(
        request,
        "web/error.html",
        {"code": 500, "message": _("Something went wrong on our side.")},
        status=500,
    )
