"""Field tests (CITY-8, CITY-9, SPEC §3.2): call and visit scores, yearly
averages, rankings and common faults. Pure Python, Decimal, no Django.

* a telephone part's score = raw / part max × 100 (exact);
* a call's score = the mean of the parts it tested (untested parts are absent,
  never zero);
* a visit's score = points of the checklist items met (sections sum to 100), or
  the score out of 100 entered directly (imports);
* the yearly average = the exact mean of the agency's call (or visit) scores,
  rounded once to 2 decimals, half up (`published`): the figure that is published
  is the figure that decides (SPEC §3.3), so 89.995 → 90.00 reaches 90 and two
  averages printed 90.00 share a rank (docs/FIELDTESTS_REWARDS.md);
* "exact" means exact up to that one rounding: part scores like 40/45 × 100 repeat
  forever, so call scores and means are `Fraction`s and the rounding is done on the
  Fraction; `to_decimal` gives a Decimal for storage and for other apps, `display`
  the two-decimal text;
* ranks: higher average first, ties share a rank (1, 1, 3).
"""

from __future__ import annotations

import decimal
import math
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .i18n import _
from .program import ChecklistPart

HUNDRED = Decimal(100)
PLACES = Decimal("0.01")
_EXACT = decimal.Context(prec=40, rounding=decimal.ROUND_HALF_EVEN)


Number = Decimal | Fraction


def to_decimal(value: Number | None) -> Decimal | None:
    """A Decimal of 40 significant digits (exact when the value has a finite expansion)."""
    if value is None or isinstance(value, Decimal):
        return value
    with decimal.localcontext(_EXACT):
        return Decimal(value.numerator) / Decimal(value.denominator)


def display(value: Number | None) -> str:
    """`91.25`, or `—` when there is no figure. Display only, never compared."""
    if value is None:
        return "—"
    return str(to_decimal(value).quantize(PLACES, rounding=ROUND_HALF_UP))


def part_score(raw: Decimal, part_max: Decimal) -> Fraction:
    """CITY-9: a part rescaled to 100 (exact)."""
    if part_max <= 0:
        raise ValueError("part max must be positive")
    return exact(raw) / Fraction(part_max) * 100


# Imports refuse a raw score with an exponent or more than 2 decimals (core/numbers.py);
# this bounds what was stored before they did.
EXACT_PLACES = 12
_TINY = Decimal(1).scaleb(-EXACT_PLACES)
_BOUNDED = decimal.Context(prec=60, traps=[decimal.InvalidOperation, decimal.Overflow])


def exact(raw: Decimal) -> Fraction:
    """Fraction(raw), from its shape first: `Fraction(Decimal("1E-999999999"))` builds a
    billion-digit integer and never returns in a page. Digits past EXACT_PLACES decimals
    are rounded off (no checklist has them); a zero is zero whatever its exponent; a
    huge exponent on anything else is refused, never computed."""
    _sign, digits, exponent = raw.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"not a finite number: {raw}")
    if not any(digits):
        return Fraction(0)
    if exponent < -EXACT_PLACES:
        try:
            raw = raw.quantize(_TINY, context=_BOUNDED)
        except (decimal.InvalidOperation, decimal.Overflow):
            raise ValueError("raw score out of range") from None
    elif exponent > EXACT_PLACES or len(digits) > 60:
        raise ValueError("raw score out of range")
    return Fraction(raw)


def raw_from_items(part: ChecklistPart, met: Mapping[str, bool]) -> Decimal:
    """Points of the part's items that were met (an item absent from `met` is not met)."""
    return sum((item.points for item in part.items if met.get(item.code)), Decimal(0))


def call_score(
    parts: tuple[ChecklistPart, ...], raw_scores: Mapping[str, Decimal | None]
) -> Fraction | None:
    """CITY-9: the mean of the tested parts' rescaled scores; None when no part was tested."""
    scores = [
        part_score(raw_scores[p.code], p.max_points)
        for p in parts
        if raw_scores.get(p.code) is not None
    ]
    if not scores:
        return None
    return sum(scores, Fraction(0)) / len(scores)


def visit_score(sections: tuple[ChecklistPart, ...], met: Mapping[str, bool]) -> Decimal:
    """CITY-8: points of the items met, rescaled to 100 (the sections sum to 100)."""
    total = sum((s.max_points for s in sections), Decimal(0))
    got = sum((raw_from_items(s, met) for s in sections), Decimal(0))
    if total == HUNDRED:
        return got
    with decimal.localcontext(_EXACT):
        return got / total * HUNDRED


def validate_raw(raw: Decimal, part_max: Decimal) -> str:
    """'' when the raw part score is usable, else the message (in the active language)."""
    if not raw.is_finite():
        return _("Not a number.")
    if raw < 0 or raw > part_max:
        return _("Must be between 0 and %(max)s.") % {"max": part_max}
    return ""


def mean(values: Iterable[Number]) -> Fraction | None:
    """The exact mean; None for no values."""
    values = [v if isinstance(v, Fraction) else Fraction(v) for v in values]
    if not values:
        return None
    return sum(values, Fraction(0)) / len(values)


def published(value: Number | None) -> Decimal | None:
    """The yearly average as published and as it decides (SPEC §3.3, CITY-9/12/13):
    the exact value rounded once to 2 decimals, half up (scores are never negative)."""
    if value is None:
        return None
    hundredths = math.floor(Fraction(value) * 100 + Fraction(1, 2))
    return Decimal(hundredths).scaleb(-2)


def yearly_averages(scores: Iterable[tuple[Hashable, Number]]) -> dict:
    """CITY-9: {agency: published yearly average (Decimal, 2 decimals)} from
    (agency, score) pairs: the exact mean of its scores, rounded once."""
    by: dict = {}
    for key, score in scores:
        by.setdefault(key, []).append(score)
    return {key: published(mean(values)) for key, values in by.items()}


def rank(values: Mapping[Hashable, Number]) -> dict:
    """Competition ranking, higher first; ties share a rank (1, 1, 3) (SPEC §3.3)."""
    ordered = sorted(values.items(), key=lambda kv: kv[1], reverse=True)
    ranks: dict = {}
    previous = None
    current = 0
    for position, (key, value) in enumerate(ordered, start=1):
        if value != previous:
            current = position
            previous = value
        ranks[key] = current
    return ranks


def common_faults(records: Iterable[Mapping[str, bool]], codes: Iterable[str]) -> list:
    """Item-level deductions counted: [(item code, times not met)] most frequent first.

    Only records with item detail count (imports carry part scores only)."""
    wanted = list(codes)
    counter: Counter = Counter()
    for met in records:
        if not met:
            continue
        for code in wanted:
            if code in met and not met[code]:
                counter[code] += 1
    order = {code: i for i, code in enumerate(wanted)}
    return sorted(counter.items(), key=lambda kv: (-kv[1], order[kv[0]]))
