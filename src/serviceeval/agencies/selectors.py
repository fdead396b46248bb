from django.db.models import Q, QuerySet

from . import rules
from .enums import ROSTER_ROLES
from .models import Agency, Group


def agencies_visible_to(user) -> QuerySet[Agency]:
    """Office: all. Agency staff: their own agency and (CITY-6) its subordinates.
    Everyone else: none here (reviewers see assignments through reviews)."""
    qs = Agency.objects.select_related("group", "parent")
    if not user.is_authenticated:
        return qs.none()
    if rules.sees_every_agency(user):
        return qs
    if rules.sees_own_agencies(user):
        return qs.filter(Q(pk=user.agency_id) | Q(parent_id=user.agency_id))
    return qs.none()


def agency_list(user, listing) -> QuerySet[Agency]:
    """The agency list (issue 12 item 4): the user's agencies searched by code or
    name, filtered by group and kind, in the listing's order (`web.views.AGENCY_LIST`)."""
    qs = agencies_visible_to(user)
    if listing.get("group"):
        qs = qs.filter(group__code=listing.get("group"))
    if listing.get("kind"):
        qs = qs.filter(kind=listing.get("kind"))
    return listing.ordered(listing.searched(qs, "code", "name"))


def agency_ids_visible_to(user) -> set[int]:
    return set(agencies_visible_to(user).values_list("pk", flat=True))


def roster_for(agency, cycle=None):
    """The cycle's reward roster (the four roster roles) for an agency, falling
    back to the standing one. Tested staff recorded by field tests are stored per
    cycle too, so they alone must not hide the standing roster."""
    roles = agency.people.filter(role__in=ROSTER_ROLES)
    people = list(roles.filter(cycle=cycle)) if cycle else []
    return people or list(roles.filter(cycle__isnull=True))


def groups_all() -> QuerySet[Group]:
    return Group.objects.all()


def agency_by_code_or_name(text: str) -> Agency | None:
    return Agency.objects.filter(Q(code=text) | Q(name=text)).first()


def roster_cycles(agency) -> list:
    """The cycles the agency takes part in, newest first: where its reward
    recipients can be named per cycle (issue 11 item 4)."""
    return [p.cycle for p in agency.participations.select_related("cycle").order_by("-cycle__year")]
