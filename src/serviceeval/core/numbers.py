"""The shape of a typed number (points, part scores), checked before any arithmetic.

A Decimal can carry any exponent: `1E-999999999` is finite, small and between 0 and
any maximum, yet turning it into a Fraction, or formatting it with "f", builds a
number of a billion digits (issue 9, F4: one import cell pinned the CPU for more
than ten minutes). So a typed number is first looked at through `as_tuple()` only:
how many digits, which exponent. Once those are bounded, comparing it with the
field's range, taking it modulo the program's step, quantizing it or making it a
Fraction all cost next to nothing.

Points are stored with two decimals (every points field has `decimal_places=2`);
the program's `scoring.places` (0–4) only rounds totals, so two decimals is the
most any typed figure can carry.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

POINT_PLACES = 2
# A typed score fits well inside these: "1000.00" has 6 digits and exponent -2.
MAX_DIGITS = 20
MAX_EXPONENT = 20


def format_points(value, places: int = POINT_PLACES) -> str:
    """Points or an average for a person (issue 15 item 1): plain decimal text,
    at most `places` decimals, trailing zeros dropped, never scientific notation
    (`Decimal("60").normalize()` prints `6E+1`). None is "—"."""
    if value is None:
        return "—"
    value = Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_money(value) -> str:
    """New Taiwan dollars for a person (issue 15 item 1): whole dollars with
    thousands separators, `1,250,000`; None is "—"."""
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP):,f}"


def _shown(text: str) -> str:
    text = str(text)
    return text if len(text) <= 24 else text[:24] + "…"


def decimal_shape_problem(value: Decimal, text: str, *, places: int = POINT_PLACES) -> str:
    """'' when `value` (typed as `text`) is a plain decimal with at most `places`
    decimals, else the zh-Hant message. Looks at `as_tuple()` before anything else."""
    _sign, digits, exponent = value.as_tuple()
    if (
        not isinstance(exponent, int)  # NaN, sNaN, Infinity
        or len(digits) > MAX_DIGITS
        or not -MAX_EXPONENT <= exponent <= MAX_EXPONENT
    ):
        return _(
            "「%(text)s」 is not a plain decimal number (write it like 47.5, without an exponent)"
        ) % {"text": _shown(text)}
    # Bounded now: quantize is cheap. Trailing zeros ("48.000") are not decimals.
    if exponent < -places and value != value.quantize(Decimal(1).scaleb(-places)):
        return _("「%(text)s」 has more than %(places)d decimal places") % {
            "text": _shown(text),
            "places": places,
        }
    return ""
