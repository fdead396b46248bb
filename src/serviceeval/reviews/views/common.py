"""Helpers the review pages share."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from serviceeval.cycles.models import Cycle
from serviceeval.cycles.selectors import cycle_or_404

from ..models import (
    Round,
)
from ..selectors import (
    cycles_for_reviews,
)

ROUND_SLUGS = {"first": Round.FIRST, "re-evaluation": Round.RE_EVALUATION}


def _cycle(year) -> Cycle:
    return cycle_or_404(year)


def _results_cycle(user, year) -> Cycle:
    return get_object_or_404(cycles_for_reviews(user), year=year)
