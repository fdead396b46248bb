"""Who may edit, approve, decide, comment on and read a submission (CITY-6, F11)."""

from types import SimpleNamespace

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import conflict_declare, panel_add
from serviceeval.submissions import rules
from serviceeval.submissions.enums import State
from tests.factories import AgencyFactory, user_for
from tests.reviews.helpers import setup_cycle

pytestmark = pytest.mark.django_db


def test_edit_approve_decide_comment_city6():
    parent = AgencyFactory()
    agency = AgencyFactory(parent=parent)
    officer, head = user_for(Role.AGENCY_OFFICER, agency), user_for(Role.AGENCY_HEAD, agency)
    above, office = user_for(Role.AGENCY_OFFICER, parent), user_for(Role.COORDINATOR)
    assert rules.can_edit(officer, agency) and rules.can_edit(head, agency)
    assert not rules.can_edit(above, agency) and not rules.can_edit(office, agency)
    assert rules.can_approve(head, agency) and not rules.can_approve(officer, agency)
    assert rules.can_decide(office) and not rules.can_decide(head)
    assert rules.can_comment(office, agency) and rules.can_comment(above, agency)
    assert not rules.can_comment(officer, agency)


@pytest.mark.parametrize("state, panel_reads", [(State.DRAFT, False), (State.SUBMITTED, True)])
def test_can_view_submission_f11(state, panel_reads):
    cycle, (agency, other), (convener, member), office = setup_cycle(2, 2)
    parent = AgencyFactory()
    agency.parent = parent
    agency.save()
    sub = SimpleNamespace(cycle_id=cycle.pk, agency_id=agency.pk, agency=agency, state=state)
    assert rules.can_view_submission(office, sub)
    assert rules.can_view_submission(user_for(Role.AGENCY_OFFICER, agency), sub)
    assert rules.can_view_submission(user_for(Role.AGENCY_HEAD, parent), sub)
    assert not rules.can_view_submission(user_for(Role.AGENCY_OFFICER, other), sub)
    assert bool(rules.can_view_submission(member, sub)) is panel_reads
    assert bool(rules.can_view_submission(convener, sub)) is panel_reads
    outsider = user_for(Role.REVIEWER)
    panel_add(cycle=cycle, user=outsider, role=PanelRole.MEMBER, actor=office)
    assert not rules.can_view_submission(outsider, sub)  # not assigned
    conflict_declare(cycle=cycle, reviewer=member, agency=agency, reason="親屬", actor=office)
    assert not rules.can_view_submission(member, sub)  # conflicted
