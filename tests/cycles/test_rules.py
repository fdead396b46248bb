"""Who sees every cycle and who only their agency's."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.cycles.rules import sees_every_cycle
from serviceeval.cycles.selectors import cycles_visible_to
from tests.factories import AgencyFactory, make_cycle, user_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "role, every",
    [
        (Role.COORDINATOR, True),
        (Role.REVIEWER, True),
        (Role.TESTER, True),
        (Role.AGENCY_OFFICER, False),
        (Role.AGENCY_HEAD, False),
    ],
)
def test_cycles_visible_to_follows_sees_every_cycle(role, every):
    a, b = AgencyFactory(), AgencyFactory()
    mine = make_cycle(year=105, agencies=Agency.objects.filter(pk=a.pk))
    other = make_cycle(year=106, agencies=Agency.objects.filter(pk=b.pk))
    user = user_for(role, agency=a if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) else None)
    assert bool(sees_every_cycle(user)) is every
    assert set(cycles_visible_to(user)) == ({mine, other} if every else {mine})
