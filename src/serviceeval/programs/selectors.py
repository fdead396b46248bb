"""Reads of the programs app."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from .models import Program


def programs_with_use() -> QuerySet[Program]:
    """Every program version with the number of cycles that use it."""
    return Program.objects.annotate(n_cycles=Count("cycle"))


def programs_all() -> QuerySet[Program]:
    return Program.objects.all()
