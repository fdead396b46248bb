"""Dashboard panels: what is due / overdue with the reason of a return (agency),
what awaits the head's approval (head), status counts and what waits for
acceptance (office)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from serviceeval.cycles.models import Cycle

from .enums import Kind, State
from .models import Submission
from .selectors import (
    awaiting_approval_for,
    cycles_for_user,
    open_returns_by_key,
    status_page,
    status_rows,
)


def agency(request):
    user = request.user
    items = []
    cycles = list(cycles_for_user(user)[:3])
    returns = open_returns_by_key(user.agency_id, [c.pk for c in cycles])
    for cycle in cycles:
        for row in status_rows(cycle, agency_ids=[user.agency_id]):
            for kind in (Kind.PLAN, Kind.REPORT):
                cell = row.cells[kind]
                if cell["required"] and cell["state"] not in (State.SUBMITTED, State.ACCEPTED):
                    items.append(
                        {
                            "cycle": cycle,
                            "agency": row.participant.agency,
                            "returns": returns.get((cycle.pk, kind), []),
                            **cell,
                        }
                    )
    items.sort(key=lambda i: (not i["overdue"], i["deadline"] is None, i["deadline"] or 0))
    return {"title": _("My submissions"), "items": items}


def head(request):
    """CITY-2: the head's "awaiting my approval" (待我核定) list."""
    return {"title": _("Awaiting my approval"), "rows": awaiting_approval_for(request.user)}


def office(request):
    cycle = Cycle.objects.select_related("program").order_by("-year").first()
    if cycle is None:
        return None
    counts = status_page(cycle, limit=0).counts
    waiting = (
        Submission.objects.filter(state=State.SUBMITTED)
        .select_related("agency", "cycle")
        .only("kind", "agency__name", "cycle__year", "submitted_at")
        .order_by("submitted_at")[:10]
    )
    return {
        "title": _("Submissions"),
        "cycle": cycle,
        "counts": counts,
        "waiting": waiting,
    }
