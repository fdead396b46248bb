"""Who sees an agency (CITY-6): the predicate and the selector's queryset agree."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.agencies.rules import can_view_agency
from serviceeval.agencies.selectors import agencies_visible_to
from tests.factories import AgencyFactory, user_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER, Role.TESTER]
)
def test_agencies_visible_to_is_can_view_agency_city6(role):
    parent = AgencyFactory()
    child = AgencyFactory(parent=parent)
    AgencyFactory()  # somebody else's
    user = user_for(
        role, agency=parent if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) else None
    )
    listed = set(agencies_visible_to(user))
    allowed = {a for a in Agency.objects.all() if can_view_agency(user, a)}
    assert listed == allowed
    if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD):
        assert listed == {parent, child}
    if role == Role.COORDINATOR:
        assert len(listed) == Agency.objects.count()
