"""The foundation's dashboard panels; other apps register their own."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.core.nav import DashboardPanel, register_panel
from serviceeval.cycles.models import Milestone
from serviceeval.cycles.selectors import cycles_with_counts
from serviceeval.reviews.selectors import agency_published_results
from serviceeval.rewards.selectors import rewards_of_agencies


def _office(request):
    now = timezone.now()
    cycles = list(cycles_with_counts()[:5])
    upcoming = Milestone.objects.filter(
        cycle__in=[c.pk for c in cycles], at__gte=now
    ).select_related("cycle")[:8]
    return {"title": _("Cycles and deadlines"), "cycles": cycles, "upcoming": upcoming}


def _agency(request):
    now = timezone.now()
    agency = request.user.agency
    milestones = list(
        Milestone.objects.filter(cycle__participants__agency=agency)
        .select_related("cycle")
        .order_by("at")
    )
    # The cycle's calendar (covered period, evaluation window, due dates). The
    # agency's own deadlines, with any reopening by the office, are in the
    # submissions panel ("My submissions").
    return {
        "title": _("Cycle calendar"),
        "agency": agency,
        "due": [m for m in milestones if m.at >= now][:8],
        "past": [m for m in milestones if m.at < now][-5:],
    }


def _agency_results(request):
    """Issue 12: after publication, the agency's grade, rank and dimension totals,
    with its feedback report, improvement items and its people's rewards; a
    first-level agency sees its subordinates' too (CITY-6)."""
    rows = agency_published_results(request.user)
    if not rows:
        return None
    rewards = rewards_of_agencies((r["cycle"].pk, r["agency"].pk) for r in rows)
    for r in rows:
        r["rewards"] = rewards.get((r["cycle"].pk, r["agency"].pk), [])
    return {"title": _("Our published results"), "rows": rows}


def register():
    register_panel(
        DashboardPanel("web/panels/office.html", is_office, _office, order=10, scope="role")
    )
    register_panel(
        DashboardPanel("web/panels/agency.html", is_agency_staff, _agency, order=10, scope="agency")
    )
    register_panel(
        DashboardPanel(
            "web/panels/agency_results.html",
            is_agency_staff,
            _agency_results,
            order=5,
            scope="agency",
        )
    )
