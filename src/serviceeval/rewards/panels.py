"""Dashboard panel for the office: the roster's status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from serviceeval.cycles.models import Cycle

from . import selectors
from .models import Nomination, RewardEntry, RosterState


def office(request):
    cycle = Cycle.objects.select_related("program").order_by("-year").first()
    if cycle is None:
        return None
    state = RosterState.objects.filter(cycle=cycle).first()
    return {
        "title": _("Roster of rewards"),
        "cycle": cycle,
        "entries": RewardEntry.objects.filter(cycle=cycle).count(),
        "frozen": bool(state and state.frozen_at),
        "computed_at": state.computed_at if state else None,
        "nominations": Nomination.objects.filter(cycle=cycle).count(),
    }


def first_level(request):
    """CITY-10 on a first-level agency's dashboard: its preselection of subordinate
    agencies in the newest cycle it takes part in, flagged when short by the deadline."""
    agency = request.user.agency
    cycle = (
        Cycle.objects.select_related("program")
        .filter(participants__agency=agency)
        .order_by("-year")
        .first()
    )
    if cycle is None:
        return None
    rows = selectors.preselections(cycle, [agency.pk])
    if not rows:
        return None
    return {"title": _("Preselection for the national award"), "cycle": cycle, "row": rows[0]}
