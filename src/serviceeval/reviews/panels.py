"""Dashboard panels: what waits for reviewers; overdue improvement items (HSC-12)."""

from django.utils.translation import gettext_lazy as _

from serviceeval.accounts.rules import is_agency_staff, is_office, is_reviewer
from serviceeval.core.nav import DashboardPanel, register_panel

from .models import ImprovementStatus, SheetStatus
from .selectors import assignments_for, improvements_visible_to, overdue_improvements, sheets_of


def _reviewer(request):
    assignments = list(assignments_for(request.user))
    sheets = sheets_of(request.user)
    waiting = []
    for a in assignments:
        sheet = sheets.get((a.cycle_id, a.agency_id, a.round))
        if sheet is None or sheet.status != SheetStatus.SUBMITTED:
            a.sheet = sheet
            waiting.append(a)
    return {
        "title": _("Score sheets waiting for me"),
        "waiting": waiting[:10],
        "n_waiting": len(waiting),
        "n_assigned": len(assignments),
    }


def _improvements(request):
    items = improvements_visible_to(request.user)
    open_items = items.filter(
        status__in=[ImprovementStatus.OPEN, ImprovementStatus.RETURNED, ImprovementStatus.ANSWERED]
    )
    overdue = list(overdue_improvements(items).order_by("deadline")[:10])
    answered = items.filter(status=ImprovementStatus.ANSWERED).count()
    if not overdue and not open_items.exists():
        return None
    return {
        "title": _("Improvement items"),
        "overdue": overdue,
        "n_open": open_items.count(),
        "n_answered": answered,
    }


def register():
    register_panel(
        DashboardPanel(
            "reviews/panels/reviewer.html", is_reviewer, _reviewer, order=20, scope="user"
        )
    )
    register_panel(
        DashboardPanel(
            "reviews/panels/improvements.html",
            is_office | is_agency_staff,
            _improvements,
            order=30,
            scope="agency",
        )
    )
