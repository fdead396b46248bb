"""How the review pages and documents write points and grades."""

from __future__ import annotations

from decimal import Decimal


def grade_names(spec) -> dict:
    return {g.code: g.name for g in spec.grades}


def points(value) -> str:
    """Points for display: exact decimals trimmed, at most two places."""
    if value is None:
        return "—"
    value = Decimal(value)
    q = value.quantize(Decimal("0.01"))
    text = format(q, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
