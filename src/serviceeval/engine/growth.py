"""Growth rates (HSC-8): (this year − last year) / last year × 100, in Decimal.

No rate when last year's figure is missing or zero: the caller shows "—",
never a crash or a division error. Quantized to 2 decimals, half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

NO_RATE = "—"
HUNDRED = Decimal(100)
PLACES = Decimal("0.01")


def growth_rate(this_year: Decimal | None, last_year: Decimal | None) -> Decimal | None:
    if this_year is None or last_year is None or last_year == 0:
        return None
    rate = (Decimal(this_year) - Decimal(last_year)) / Decimal(last_year) * HUNDRED
    return rate.quantize(PLACES, rounding=ROUND_HALF_UP)


def format_growth(rate: Decimal | None) -> str:
    """`12.50%`, `-3.00%`, or `—` when there is no rate."""
    if rate is None:
        return NO_RATE
    return f"{rate:.2f}%"
