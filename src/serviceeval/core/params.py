"""Ids read from request parameters (hidden form fields, query strings).

A view that reads an object's id from `request.POST` or `request.GET` parses it
here before it reaches the database: "abc", "", "1.5" make Django's lookups raise
ValueError, and a number beyond PostgreSQL's bigint overflows in the driver, both
answered 500 (SPEC §5 "bad input"). A value that cannot be an id answers 404, as an
id that names no visible object does.
"""

from __future__ import annotations

from django.http import Http404

# The widest primary key of serviceeval: BigAutoField, PostgreSQL bigint.
MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


def id_or_404(value) -> int:
    """The positive integer id in `value` (a parameter's text), or Http404."""
    text = "" if value is None else str(value)
    # isascii: str.isdigit accepts "²" and other digits int() refuses.
    if not (text.isascii() and text.isdigit()) or len(text) > _MAX_DIGITS:
        raise Http404
    number = int(text)
    if not 0 < number <= MAX_ID:
        raise Http404
    return number
