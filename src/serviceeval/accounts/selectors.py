"""Reads of the accounts app."""

from __future__ import annotations

from django.db.models import QuerySet

from serviceeval.core.listing import Listing, ListSpec

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


# Issue 11 item 4: the office's list of accounts.
PEOPLE_LIST = ListSpec(
    filters=("role", "active"),
    sorts={
        "username": ("username",),
        "name": ("last_name", "username"),
        "role": ("role", "username"),
        "agency": ("agency__code", "username"),
        "last_login": ("-last_login", "username"),
    },
    default_sort="username",
)


def people_list(listing: Listing) -> QuerySet[User]:
    """Accounts searched by username, name, e-mail or agency, filtered by role and
    active, in the listing's order (one query a page)."""
    qs = User.objects.select_related("agency")
    role = listing.get("role")
    if role in Role.values:
        qs = qs.filter(role=role)
    active = listing.get("active")
    if active in ("1", "0"):
        qs = qs.filter(is_active=active == "1")
    qs = listing.searched(
        qs, "username", "last_name", "first_name", "email", "agency__code", "agency__name"
    )
    return listing.ordered(qs)


def person_by_pk(pk: int) -> User:
    return User.objects.select_related("agency").get(pk=pk)


def agency_choices():
    """Agencies an account may belong to (the agencies app stands above accounts:
    reached through the relation)."""
    return User._meta.get_field("agency").related_model.objects.order_by("code")
