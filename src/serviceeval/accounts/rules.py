"""The shared permission predicates every app's `rules.py` is composed from.

django-rules predicates of the user (and, for `is_agency_of`, of an object that is
an agency or belongs to one). These are the only place a role is compared; an app
states its own permissions (`can_view_submission`, `can_score_agency`, ...) in its
`rules.py` from these, and views, the API, templates (`{% has_perm %}`), the admin
and selectors ask those.
"""

from __future__ import annotations

import rules

from .enums import Role

AGENCY_ROLES = (Role.AGENCY_OFFICER, Role.AGENCY_HEAD)


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def has_role(user, *roles) -> bool:
    """The stored role, whether or not the account is active or signed in: for
    checks on accounts named in imports and forms (is this user a tester?) and for
    `User.save`. Requests ask the predicates below."""
    return getattr(user, "role", None) in roles


@rules.predicate
def is_signed_in(user) -> bool:
    return _active(user)


@rules.predicate
def is_office(user) -> bool:
    """The program office (role `coordinator`)."""
    return _active(user) and user.role == Role.COORDINATOR


@rules.predicate
def is_agency_officer(user) -> bool:
    return _active(user) and user.role == Role.AGENCY_OFFICER


@rules.predicate
def is_agency_head(user) -> bool:
    return _active(user) and user.role == Role.AGENCY_HEAD


@rules.predicate
def is_agency_staff(user) -> bool:
    """An agency officer or head: they belong to one agency."""
    return _active(user) and user.role in AGENCY_ROLES and user.agency_id is not None


@rules.predicate
def is_reviewer(user) -> bool:
    """A panel member."""
    return _active(user) and user.role == Role.REVIEWER


@rules.predicate
def is_tester(user) -> bool:
    """A field tester (telephone tests, mystery-shopper visits)."""
    return _active(user) and user.role == Role.TESTER


def agency_id_of(obj) -> int | None:
    """The agency an object is or belongs to: an `Agency`, anything with `agency_id`,
    or a bare primary key."""
    if obj is None:
        return None
    if isinstance(obj, int):
        return obj
    if hasattr(obj, "agency_id"):
        return obj.agency_id
    return getattr(obj, "pk", None)


@rules.predicate
def is_agency_of(user, obj) -> bool:
    """Agency staff of the agency `obj` is or belongs to."""
    return is_agency_staff(user) and user.agency_id == agency_id_of(obj)


@rules.predicate
def is_parent_agency_of(user, obj) -> bool:
    """CITY-6: staff of the first-level agency above the agency `obj` is or belongs to."""
    if not is_agency_staff(user) or obj is None:
        return False
    agency = getattr(obj, "agency", obj)
    return getattr(agency, "parent_id", None) is not None and agency.parent_id == user.agency_id


@rules.predicate
def needs_two_factor(user) -> bool:
    """SPEC §5: the office, panel members and superusers sign in with a second factor."""
    return _active(user) and (user.is_superuser or user.role in (Role.COORDINATOR, Role.REVIEWER))


@rules.predicate
def is_superuser(user) -> bool:
    return _active(user) and user.is_superuser


# Issue 11 item 4: the office (and superusers) manage accounts on their own pages.
can_manage_accounts = is_office | is_superuser


def role_needs_agency(role: str) -> bool:
    """Whether a role (a stored or imported value) belongs to one agency."""
    return role in AGENCY_ROLES
