"""Reads of the programs app."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Program


def programs_with_use() -> QuerySet[Program]:
    """Every program version with the number of cycles that use it."""
    return Program.objects.annotate(n_cycles=Count("cycle"))


def programs_all() -> QuerySet[Program]:
    return Program.objects.all()


def program_versions(program: Program) -> QuerySet[Program]:
    """The other versions of the same program code, newest first (issue 11 item 3)."""
    return (
        Program.objects.filter(code=program.code)
        .exclude(pk=program.pk)
        .only("pk", "code", "version", "name")
        .order_by("-version")
    )


def program_pair(pk: int, other_pk: int) -> tuple[Program, Program] | None:
    """Two versions of one program code, in one query; None when either is missing
    or their codes differ (the compare page answers 404)."""
    found = {p.pk: p for p in Program.objects.filter(pk__in={pk, other_pk})}
    a, b = found.get(pk), found.get(other_pk)
    if a is None or b is None or a.code != b.code:
        return None
    return a, b
