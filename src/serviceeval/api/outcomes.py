"""Read API for the outcomes: results (the `compute_results --json` objects) and the
reward roster (the `rewards --json` objects), with the pages' rules:

- results: the office and the cycle's panel leaders (convener, deputy) see every
  agency at any time; agency staff see their own agency and its subordinates
  (CITY-6) once the results are published, nothing before; anyone else gets 404.
- roster: the office only (as the roster page), 404 for everyone else.
"""

from django.http import Http404
from ninja import Router

from serviceeval.accounts.rules import is_agency_staff
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.cycles.selectors import cycle_or_404
from serviceeval.reviews import rules as review_rules
from serviceeval.reviews.services import results_json
from serviceeval.rewards.rules import can_manage_roster
from serviceeval.rewards.services import roster_json

from .schemas import ErrorOut, ResultOut, RosterEntryOut

router = Router(tags=["outcomes"])


@router.get("/cycles/{year}/results", response={200: list[ResultOut], 404: ErrorOut})
def cycle_results(request, year: int):
    cycle = cycle_or_404(year)
    user = request.user
    if review_rules.can_see_all_results(user, cycle):
        return results_json(cycle)
    if not (is_agency_staff(user) and review_rules.takes_part(user, cycle)):
        raise Http404
    if not review_rules.can_see_own_results(user, cycle):
        return []  # published later: nothing before
    own = set(agencies_visible_to(user).values_list("code", flat=True))
    return [row for row in results_json(cycle) if row["agency"] in own]


@router.get("/cycles/{year}/rewards", response={200: list[RosterEntryOut], 404: ErrorOut})
def cycle_roster(request, year: int):
    if not can_manage_roster(request.user):
        raise Http404
    cycle = cycle_or_404(year)
    return roster_json(cycle)
