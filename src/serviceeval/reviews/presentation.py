"""How the review pages and documents write points and grades."""

from __future__ import annotations

from serviceeval.core.numbers import format_points


def grade_names(spec) -> dict:
    return {g.code: g.name for g in spec.grades}


def points(value) -> str:
    """Points for display: exact decimals trimmed, at most two places."""
    return format_points(value)
