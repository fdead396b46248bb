"""The review's predicates (HSC-3, HSC-10, F7) and the querysets built on them."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.reviews import rules
from serviceeval.reviews.models import Round
from serviceeval.reviews.selectors import cycles_for_reviews, improvements_visible_to
from serviceeval.reviews.services import conflict_declare, conflict_waive, improvement_create
from tests.factories import AgencyFactory, user_for

from .helpers import setup_cycle

pytestmark = pytest.mark.django_db


def test_panel_leader_and_assignment_without_conflict_hsc3():
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    assert rules.is_panel_leader(convener, cycle) and rules.is_panel_leader(convener, cycle.pk)
    assert not rules.is_panel_leader(member, cycle) and not rules.is_panel_leader(office, cycle)
    target = rules.ReviewTarget(cycle.pk, a.pk, Round.FIRST)
    assert rules.is_assigned_without_conflict(member, target)
    assert rules.can_score_agency(member, target)
    assert not rules.can_score_agency(
        member, rules.ReviewTarget(cycle.pk, a.pk, Round.RE_EVALUATION)
    )
    conflict = conflict_declare(
        cycle=cycle, reviewer=member, agency=a, reason="前同事", actor=office
    )
    assert not rules.is_assigned_without_conflict(member, target)
    assert not rules.can_review_agency(member, target)
    assert rules.can_open_agency_review(office, target)
    conflict_waive(conflict=conflict, reason="已離職十年", actor=office)
    assert not rules.can_score_agency(member, target)  # the declaration removed the assignment
    assert rules.can_review_agency(convener, rules.ReviewTarget(cycle.pk, b.pk))


def test_results_visibility_before_and_after_publication():
    cycle, (a, _b), (convener, member), office = setup_cycle(2, 2)
    staff, outsider = user_for(Role.AGENCY_OFFICER, a), user_for(Role.AGENCY_OFFICER)
    assert rules.can_see_all_results(office, cycle) and rules.can_see_all_results(convener, cycle)
    assert not rules.can_see_results(member, cycle)
    assert not rules.can_see_results(staff, cycle)  # not published yet
    assert rules.takes_part(staff, cycle) and not rules.takes_part(outsider, cycle)
    cycle.results_published_at = timezone.now()
    assert rules.can_see_results(staff, cycle) and rules.can_see_own_results(staff, cycle)
    assert not rules.can_see_results(outsider, cycle)
    assert set(cycles_for_reviews(convener)) == {cycle}
    assert set(cycles_for_reviews(member)) == set()
    assert set(cycles_for_reviews(staff)) == set()


def test_improvements_answered_by_own_agency_only_f7():
    cycle, (agency, _b), _reviewers, office = setup_cycle(2, 1)
    parent = AgencyFactory()
    agency.parent = parent
    agency.save()
    item = improvement_create(
        cycle=cycle,
        agency=agency,
        text="改善櫃台動線",
        deadline=timezone.localdate() + timedelta(days=1),
        actor=office,
    )
    own, above = user_for(Role.AGENCY_OFFICER, agency), user_for(Role.AGENCY_HEAD, parent)
    assert rules.can_answer_improvement(own, item)
    assert not rules.can_answer_improvement(above, item)
    assert not rules.can_answer_improvement(office, item)
    assert rules.can_manage_improvements(office) and not rules.can_manage_improvements(own)
    assert set(improvements_visible_to(above)) == {item} == set(improvements_visible_to(office))
    assert set(improvements_visible_to(user_for(Role.REVIEWER))) == set()


def test_may_join_panel_reads_the_stored_role():
    assert rules.may_join_panel(user_for(Role.REVIEWER, is_active=False))
    assert not rules.may_join_panel(SimpleNamespace(role=Role.COORDINATOR))
