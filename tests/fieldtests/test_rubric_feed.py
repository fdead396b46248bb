"""Item 3: the agency's telephone figure appears on the reviewer's score sheet beside
1.2.1.2.1 電話禮貌測試績效 (hsinchu-105), via `field_test_figures`."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import assign, panel_add
from tests.factories import AgencyFactory, make_cycle, user_for
from tests.fieldtests.helpers import a_tester, at, call

pytestmark = pytest.mark.django_db


def test_phone_average_shown_on_reviewer_sheet_city_9(client):
    a = AgencyFactory()
    cycle = make_cycle(year=105, agencies=Agency.objects.filter(pk=a.pk))
    office = user_for(Role.COORDINATOR)
    reviewer = user_for(Role.REVIEWER)
    panel_add(cycle=cycle, user=reviewer, role=PanelRole.CONVENER, actor=office)
    assign(cycle=cycle, reviewer=reviewer, agency=a, actor=office)
    who = a_tester()
    call(cycle, a, who, when=at(2016, 5, 2))
    call(cycle, a, who, when=at(2016, 6, 2), parts=("switchboard",), missing={"sw_answer_speed"})
    client.force_login(reviewer)
    page = client.get(f"/reviews/cycles/105/agencies/{a.pk}/sheet/first/").content.decode()
    assert "1.2.1.2.1" in page
    assert "72.22" in page  # (100 + 44.44…) / 2
