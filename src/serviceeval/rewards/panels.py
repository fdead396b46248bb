"""Dashboard panel for the office: the roster's status."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from serviceeval.cycles.models import Cycle

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
