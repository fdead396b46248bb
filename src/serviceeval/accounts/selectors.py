"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet

from .enums import Role
from .models import User


def reviewer_accounts() -> QuerySet[User]:
    """Active reviewer accounts: who may join a panel."""
    return User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("username")
