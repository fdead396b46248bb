"""Read API for the outcomes: results (the `compute_results --json` objects) and the
reward roster (the `rewards --json` objects), with the pages' rules:

- results: the office and the cycle's panel leaders (convener, deputy) see every
  agency at any time; agency staff see their own agency and its subordinates
  (CITY-6) once the results are published, nothing before; anyone else gets 404.
- roster: the office only (as the roster page), 404 for everyone else.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Router

from serviceeval.accounts.enums import Role
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.cycles.models import Cycle

from .schemas import ErrorOut, ResultOut, RosterEntryOut

router = Router(tags=["outcomes"])


@router.get("/cycles/{year}/results", response={200: list[ResultOut], 404: ErrorOut})
def cycle_results(request, year: int):
    from serviceeval.reviews.selectors import is_panel_leader
    from serviceeval.reviews.services import results_json

    cycle = get_object_or_404(Cycle.objects.select_related("program"), year=year)
    user = request.user
    if user.role == Role.COORDINATOR or (
        user.role == Role.REVIEWER and is_panel_leader(user, cycle.pk)
    ):
        return results_json(cycle)
    if user.role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) and user.agency_id:
        own = set(agencies_visible_to(user).values_list("code", flat=True))
        if not own & set(cycle.participants.values_list("agency__code", flat=True)):
            raise Http404
        if cycle.results_published_at is None:
            return []
        return [row for row in results_json(cycle) if row["agency"] in own]
    raise Http404


@router.get("/cycles/{year}/rewards", response={200: list[RosterEntryOut], 404: ErrorOut})
def cycle_roster(request, year: int):
    from serviceeval.rewards.services import roster_json, roster_refresh

    if request.user.role != Role.COORDINATOR:
        raise Http404
    cycle = get_object_or_404(Cycle.objects.select_related("program"), year=year)
    roster_refresh(cycle=cycle, actor=None)
    return roster_json(cycle)
