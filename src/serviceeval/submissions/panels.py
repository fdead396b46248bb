"""Dashboard panels: what is due / overdue (agency), status counts and what
waits for acceptance (office)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from serviceeval.cycles.models import Cycle

from .enums import Kind, State
from .models import Submission
from .selectors import cycles_for_user, status_page, status_rows


def agency(request):
    user = request.user
    items = []
    for cycle in cycles_for_user(user)[:3]:
        for row in status_rows(cycle, agency_ids=[user.agency_id]):
            for kind in (Kind.PLAN, Kind.REPORT):
                cell = row.cells[kind]
                if cell["required"] and cell["state"] not in (State.SUBMITTED, State.ACCEPTED):
                    items.append({"cycle": cycle, "agency": row.participant.agency, **cell})
    items.sort(key=lambda i: (not i["overdue"], i["deadline"] is None, i["deadline"] or 0))
    return {"title": _("My submissions"), "items": items}


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
