"""Reviewer calibration (SPEC §4): per-reviewer mean, spread and deviation from
the panel; criteria where reviewers disagree by more than the program's margin.
No Django.

Scores are compared as a share of the criterion's maximum (score / max × 100), so
a 60-point and a 10-point criterion weigh the same:

* mean = mean of the reviewer's shares;
* spread = population standard deviation of those shares;
* deviation = mean of (share − panel share), the panel share being the
  criterion's panel score (aggregated as in the results) over its max × 100;
* a criterion of an agency is flagged when max − min of its reviewers' scores
  > disagreement_margin × the criterion's max.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from .program import Scoring
from .results import aggregate

_CTX = decimal.Context(prec=40)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class ReviewerStats:
    reviewer_id: int
    n: int
    mean: Decimal  # % of max
    spread: Decimal  # % of max
    deviation: Decimal  # percentage points against the panel


@dataclass(frozen=True)
class Flag:
    agency_id: int
    criterion: str
    low: Decimal
    high: Decimal
    max_points: Decimal
    scores: tuple[tuple[int, Decimal], ...]  # (reviewer_id, score), by reviewer


def calibrate(
    scores: Mapping[tuple[int, int, str], Decimal],
    max_points: Mapping[str, Decimal],
    scoring: Scoring,
) -> tuple[list[ReviewerStats], list[Flag]]:
    """`scores`: (agency_id, reviewer_id, criterion) → submitted score."""
    by_cell: dict[tuple[int, str], list[tuple[int, Decimal]]] = defaultdict(list)
    for (agency_id, reviewer_id, code), value in scores.items():
        by_cell[(agency_id, code)].append((reviewer_id, value))
    shares: dict[int, list[Decimal]] = defaultdict(list)
    deviations: dict[int, list[Decimal]] = defaultdict(list)
    flags: list[Flag] = []
    with decimal.localcontext(_CTX):
        for (agency_id, code), cell in sorted(by_cell.items()):
            top = max_points.get(code)
            if not top:
                continue
            values = [v for _, v in cell]
            panel = aggregate(values, scoring) / top * HUNDRED
            for reviewer_id, value in cell:
                share = value / top * HUNDRED
                shares[reviewer_id].append(share)
                deviations[reviewer_id].append(share - panel)
            low, high = min(values), max(values)
            if len(values) > 1 and high - low > scoring.disagreement_margin * top:
                flags.append(Flag(agency_id, code, low, high, top, tuple(sorted(cell))))
        stats = []
        for reviewer_id in sorted(shares):
            values = shares[reviewer_id]
            n = len(values)
            mean = sum(values, Decimal(0)) / n
            variance = sum(((v - mean) ** 2 for v in values), Decimal(0)) / n
            spread = variance.sqrt()
            deviation = sum(deviations[reviewer_id], Decimal(0)) / n
            stats.append(
                ReviewerStats(
                    reviewer_id,
                    n,
                    mean.quantize(Decimal("0.01")),
                    spread.quantize(Decimal("0.01")),
                    deviation.quantize(Decimal("0.01")),
                )
            )
    return stats, flags
