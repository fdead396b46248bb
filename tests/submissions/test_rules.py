"""Pure content checks (CITY-3 duplicates across dimensions, web-service claims) and
who may edit, approve, decide, comment on and read a submission (CITY-6, F11)."""

from types import SimpleNamespace

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import conflict_declare, panel_add
from serviceeval.submissions import rules
from serviceeval.submissions.enums import State
from serviceeval.submissions.rules import (
    bullet_items,
    duplicates_across_dimensions,
    web_claim,
)
from tests.factories import AgencyFactory, user_for
from tests.reviews.helpers import setup_cycle


def test_bullet_items_drop_markers_and_whitespace():
    text = "1. 推動 一處收件\n(2) 縮短等候時間至七分鐘\n- 設置\n  ・ 建置線上預約系統\n一、 強化志工服務人力"
    # "推動一處收件" and "設置" are shorter than 8 characters: headings repeat on purpose.
    assert bullet_items(text) == ["縮短等候時間至七分鐘", "建置線上預約系統", "強化志工服務人力"]


def test_short_items_are_not_compared():
    assert bullet_items("- 設置服務台\n- 推動一處收件全程服務") == ["推動一處收件全程服務"]


def test_same_text_in_two_dimensions_is_found_city3():
    found = duplicates_across_dimensions(
        {
            "1.1.1.1": "- 推動一處收件全程服務\n- 其他不同的項目內容",
            "2.1.1.1": "* 推動一處收件 全程服務",
        }
    )
    assert [(d.text, d.codes) for d in found] == [("推動一處收件全程服務", ("1.1.1.1", "2.1.1.1"))]


def test_same_text_within_one_dimension_is_not_a_duplicate_city3():
    assert (
        duplicates_across_dimensions(
            {
                "1.1.1.1": "- 推動一處收件全程服務",
                "1.2.1.1": "- 推動一處收件全程服務",
            }
        )
        == []
    )


def test_web_claim_heuristic_city3():
    assert web_claim("本局網站每週更新")
    assert web_claim("提供線上申辦")
    assert web_claim("詳見 https://www.example.gov.tw")
    assert web_claim("Our website")
    assert not web_claim("臨櫃服務滿意度九成")


@pytest.mark.django_db
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


@pytest.mark.django_db
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
