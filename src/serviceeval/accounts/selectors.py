"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet

from .enums import Role
from .models import User
from .rules import AGENCY_ROLES


def reviewer_accounts() -> QuerySet[User]:
    """Active reviewer accounts: who may join a panel."""
    return User.objects.filter(role=Role.REVIEWER, is_active=True).order_by("username")


def agency_staff_by_agency(agency_ids, *, roles=AGENCY_ROLES) -> dict[int, list[User]]:
    """Active officers and heads (or `roles`) of these agencies, per agency id:
    one query, for notices to many agencies at once."""
    out: dict[int, list[User]] = {}
    for user in User.objects.filter(
        agency_id__in=list(agency_ids), role__in=list(roles), is_active=True
    ).order_by("pk"):
        out.setdefault(user.agency_id, []).append(user)
    return out


def office_accounts() -> QuerySet[User]:
    """The program office's active accounts (they receive the office's notices)."""
    return User.objects.filter(role=Role.COORDINATOR, is_active=True).order_by("pk")
