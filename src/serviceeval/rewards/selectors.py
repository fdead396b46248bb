"""Reads of the rewards app."""

from __future__ import annotations

from django.db.models import QuerySet

from serviceeval.accounts.enums import Role
from serviceeval.agencies.selectors import agencies_visible_to

from .models import Nomination


def nominations_visible_to(user) -> QuerySet[Nomination]:
    """Office: all. Agency staff: their agency's and (CITY-6/10) their subordinates'."""
    qs = Nomination.objects.select_related("agency", "agency__parent", "cycle", "cycle__program")
    if user.role == Role.COORDINATOR:
        return qs
    if user.role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD):
        return qs.filter(agency__in=agencies_visible_to(user))
    return qs.none()


def proposable_agencies(user, cycle):
    """Agencies the user may propose: a first-level agency's subordinates (CITY-10);
    the office: district offices first, then any agency."""
    from serviceeval.agencies.enums import AgencyKind
    from serviceeval.agencies.models import Agency

    taken = Nomination.objects.filter(cycle=cycle).values("agency_id")
    qs = Agency.objects.filter(active=True).exclude(pk__in=taken)
    if user.role == Role.COORDINATOR:
        return qs.order_by("kind", "code")
    if user.role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) and user.agency_id:
        if user.agency.kind != AgencyKind.FIRST_LEVEL:
            return qs.none()
        return qs.filter(parent_id=user.agency_id).order_by("code")
    return qs.none()
