"""Panel, conflicts, assignments, sheets (HSC-3, SPEC §3.3)."""

from decimal import Decimal

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.core.models import AuditEvent
from serviceeval.reviews.models import Assignment, Conflict, PanelRole, Sheet
from serviceeval.reviews.selectors import reviewer_can_see
from serviceeval.reviews.services import (
    ReviewError,
    SheetInvalid,
    StaleSheet,
    assign,
    auto_assign,
    conflict_declare,
    conflict_waive,
    panel_add,
    sheet_get_or_create,
    sheet_reopen,
    sheet_save,
    validate_score,
)
from tests.factories import AgencyFactory, user_for

from .helpers import leaves, score_all, setup_cycle

pytestmark = pytest.mark.django_db
D = Decimal


def test_panel_takes_only_reviewer_accounts_hsc3():
    cycle, _agencies, _reviewers, office = setup_cycle(1, 1)
    with pytest.raises(ReviewError) as exc:
        panel_add(cycle=cycle, user=office, role=PanelRole.MEMBER, actor=office)
    assert "不是考核委員帳號" in str(exc.value)


def test_panel_has_one_convener_hsc3():
    cycle, _agencies, _reviewers, office = setup_cycle(1, 1)
    other = user_for(Role.REVIEWER)
    with pytest.raises(ReviewError):
        panel_add(cycle=cycle, user=other, role=PanelRole.CONVENER, actor=office)
    panel_add(cycle=cycle, user=other, role=PanelRole.DEPUTY_CONVENER, actor=office)
    assert set(cycle.panel.values_list("role", flat=True)) == {"convener", "deputy_convener"}


def test_reviewer_of_the_agency_or_its_parent_is_conflicted_automatically_hsc3():
    parent = AgencyFactory()
    cycle, (agency, other), _reviewers, office = setup_cycle(2, 1)
    agency.parent = parent
    agency.save()
    insider = user_for(Role.REVIEWER, agency=parent)
    panel_add(cycle=cycle, user=insider, role=PanelRole.MEMBER, actor=office)
    conflict = Conflict.objects.get(reviewer=insider)
    assert (conflict.agency, conflict.source) == (agency, "automatic")
    with pytest.raises(ReviewError) as exc:
        assign(cycle=cycle, reviewer=insider, agency=agency, actor=office)
    assert "利益迴避" in str(exc.value)
    assign(cycle=cycle, reviewer=insider, agency=other, actor=office)


def test_declared_conflict_removes_assignment_and_sight_hsc3():
    cycle, (agency, _), (reviewer, _r2), office = setup_cycle(2, 2)
    assert reviewer_can_see(reviewer, cycle_id=cycle.pk, agency_id=agency.pk) is True
    conflict_declare(
        cycle=cycle, reviewer=reviewer, agency=agency, reason="曾任該局顧問", actor=reviewer
    )
    assert reviewer_can_see(reviewer, cycle_id=cycle.pk, agency_id=agency.pk) is False
    assert not Assignment.objects.filter(reviewer=reviewer, agency=agency).exists()
    sheet = Sheet.objects.create(cycle=cycle, agency=agency, reviewer=reviewer)
    with pytest.raises(ReviewError):
        sheet_save(sheet=sheet, values={}, version=1, actor=reviewer)


def test_waiver_needs_a_reason_and_is_logged_hsc3():
    cycle, (agency, _), (reviewer, _r2), office = setup_cycle(2, 2)
    conflict = conflict_declare(
        cycle=cycle, reviewer=reviewer, agency=agency, reason="親屬任職", actor=reviewer
    )
    with pytest.raises(ReviewError):
        conflict_waive(conflict=conflict, reason="  ", actor=office)
    conflict_waive(conflict=conflict, reason="親屬已離職", actor=office)
    assign(cycle=cycle, reviewer=reviewer, agency=agency, actor=office)
    assert reviewer_can_see(reviewer, cycle_id=cycle.pk, agency_id=agency.pk) is True
    event = AuditEvent.objects.get(action="conflict_waived")
    assert (event.reason, event.actor) == ("親屬已離職", office)


def test_convener_sees_every_unconflicted_agency_but_members_only_theirs():
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    Assignment.objects.filter(agency=b).delete()
    assert reviewer_can_see(convener, cycle_id=cycle.pk, agency_id=b.pk) is True
    assert reviewer_can_see(member, cycle_id=cycle.pk, agency_id=b.pk) is False
    assert reviewer_can_see(office, cycle_id=cycle.pk, agency_id=a.pk) is False


def test_cap_per_reviewer_is_enforced_hsc3():
    cycle, (a, b), (r1, _r2), office = setup_cycle(2, 2)
    Assignment.objects.all().delete()
    panel_add(cycle=cycle, user=r1, role=PanelRole.CONVENER, actor=office, max_assignments=1)
    assign(cycle=cycle, reviewer=r1, agency=a, actor=office)
    with pytest.raises(ReviewError) as exc:
        assign(cycle=cycle, reviewer=r1, agency=b, actor=office)
    assert "指派上限" in str(exc.value)


def test_auto_assign_balances_load_respects_cap_minimum_and_conflicts_hsc3():
    cycle, agencies, reviewers, office = setup_cycle(6, 4)
    Assignment.objects.all().delete()
    conflict_declare(
        cycle=cycle, reviewer=reviewers[0], agency=agencies[0], reason="顧問", actor=reviewers[0]
    )
    report = auto_assign(cycle=cycle, actor=office, per_agency=2, cap=3)
    assert (report.created, report.short) == (12, [])
    loads = sorted(Assignment.objects.filter(reviewer=r).count() for r in reviewers)
    assert loads == [3, 3, 3, 3]
    for a in agencies:
        assert Assignment.objects.filter(agency=a).count() == 2
    assert not Assignment.objects.filter(reviewer=reviewers[0], agency=agencies[0]).exists()


def test_auto_assign_reports_agencies_it_cannot_fill():
    cycle, agencies, reviewers, office = setup_cycle(3, 2)
    Assignment.objects.all().delete()
    report = auto_assign(cycle=cycle, actor=office, per_agency=2, cap=2)
    assert report.created == 4
    assert report.short == [(agencies[2].name, 2)]


@pytest.mark.parametrize(
    "raw,problem",
    [
        ("61", "超出"),
        ("-1", "超出"),
        ("10.25", "倍數"),
        ("abc", "不是數字"),
        ("NaN", "不是數字"),
    ],
)
def test_score_outside_range_or_step_is_refused(raw, problem):
    value, message = validate_score(raw, D(60), D("0.5"))
    assert value is None
    assert problem in message


def test_score_on_the_step_is_accepted():
    assert validate_score("59.5", D(60), D("0.5")) == (D("59.5"), "")
    assert validate_score("", D(60), D("0.5")) == (None, "")


def _values(cycle, fraction="0.5"):
    return {
        leaf.code: (str(leaf.max_points * D(fraction)), f"意見{leaf.code}")
        for leaf in leaves(cycle)
    }


def test_sheet_draft_then_submit_then_read_only():
    cycle, (agency, _), (reviewer, _r2), office = setup_cycle(2, 2)
    sheet = sheet_get_or_create(cycle=cycle, agency=agency, reviewer=reviewer, round="first")
    sheet = sheet_save(sheet=sheet, values={"1.1.1.1": ("30", "不錯")}, version=1, actor=reviewer)
    assert (sheet.status, sheet.version) == ("draft", 2)
    cycle.refresh_from_db()
    assert cycle.scoring_started_at is not None
    with pytest.raises(SheetInvalid) as exc:
        sheet_save(
            sheet=sheet, values={"1.1.1.1": ("30", "")}, version=2, actor=reviewer, submit=True
        )
    assert exc.value.errors["3.1.1"] == "送出前須填寫分數"
    sheet = sheet_save(sheet=sheet, values=_values(cycle), version=2, actor=reviewer, submit=True)
    assert sheet.status == "submitted"
    assert sheet.scores.get(criterion="1.1.1.1").comment == "意見1.1.1.1"
    with pytest.raises(ReviewError) as exc:
        sheet_save(sheet=sheet, values=_values(cycle), version=sheet.version, actor=reviewer)
    assert "已送出" in str(exc.value)


def test_only_the_convener_reopens_with_a_reason():
    cycle, (agency, _), (convener, member), office = setup_cycle(2, 2)
    sheet = sheet_get_or_create(cycle=cycle, agency=agency, reviewer=member, round="first")
    sheet = sheet_save(sheet=sheet, values=_values(cycle), version=1, actor=member, submit=True)
    with pytest.raises(ReviewError):
        sheet_reopen(sheet=sheet, reason="請補充意見", actor=member)
    with pytest.raises(ReviewError):
        sheet_reopen(sheet=sheet, reason="", actor=convener)
    sheet = sheet_reopen(sheet=sheet, reason="請補充意見", actor=convener)
    assert sheet.status == "draft"
    assert AuditEvent.objects.get(action="sheet_reopened").reason == "請補充意見"


def test_two_sessions_never_lose_an_update():
    """The second save from a stale form is refused and says what changed."""
    cycle, (agency, _), (reviewer, _r2), office = setup_cycle(2, 2)
    sheet = sheet_get_or_create(cycle=cycle, agency=agency, reviewer=reviewer, round="first")
    first = sheet_save(
        sheet=sheet, values={"1.1.1.1": ("40", "第一個分頁")}, version=1, actor=reviewer
    )
    with pytest.raises(StaleSheet) as exc:
        sheet_save(sheet=sheet, values={"1.1.1.2": ("20", "第二個分頁")}, version=1, actor=reviewer)
    assert exc.value.version == first.version
    assert [(c["criterion"], c["score"], c["comment"]) for c in exc.value.changes] == [
        ("1.1.1.1", "40", "第一個分頁")
    ]
    stored = {s.criterion: s.score for s in first.scores.all()}
    assert stored == {"1.1.1.1": D(40)}


def test_unknown_criterion_and_bad_score_are_named():
    cycle, (agency, _), (reviewer, _r2), office = setup_cycle(2, 2)
    sheet = sheet_get_or_create(cycle=cycle, agency=agency, reviewer=reviewer, round="first")
    with pytest.raises(SheetInvalid) as exc:
        sheet_save(
            sheet=sheet, values={"9.9": ("1", ""), "1.1.1.1": ("61", "")}, version=1, actor=reviewer
        )
    assert exc.value.errors == {
        "9.9": "評核重點「9.9」不存在",
        "1.1.1.1": "分數 61 超出 0–60",
    }
    assert sheet.scores.count() == 0


def test_a_reviewer_is_told_of_an_assignment_and_a_reopened_sheet_issue13():
    """Issue 13 item 6: a notice (and e-mail) for an assignment by hand, one per
    reviewer for an automatic assignment, and one when the convener reopens a sheet."""
    from serviceeval.notifications.models import Notification
    from serviceeval.reviews.models import PanelMember, PanelRole, Sheet
    from serviceeval.reviews.services import assign, auto_assign, sheet_reopen

    cycle, (a, b, c), (convener, member), office = setup_cycle(3, 2, assign_all=False)
    assignment = assign(cycle=cycle, reviewer=member, agency=a, actor=office)
    [told] = Notification.objects.filter(user=member, kind="assignment")
    assert a.name in told.subject and told.url.endswith(f"/agencies/{a.pk}/sheet/first/")
    auto_assign(cycle=cycle, actor=office, per_agency=2)
    mine = Notification.objects.filter(user=member, kind="assignment").exclude(pk=told.pk)
    assert mine.count() == 1 and "2" in mine.get().subject  # b and c, in one notice
    assert {b.name, c.name} <= set(mine.get().body.split(", "))
    assert Notification.objects.filter(user=convener, kind="assignment").count() == 1
    score_all(cycle, [(a, member, "0.8")])
    sheet = Sheet.objects.get(agency=a, reviewer=member)
    assert PanelMember.objects.get(user=convener).role == PanelRole.CONVENER
    sheet_reopen(sheet=sheet, reason="請補充 3.1.1 意見", actor=convener)
    [reopened] = Notification.objects.filter(user=member, kind="sheet_reopened")
    assert "請補充 3.1.1 意見" in reopened.body and a.name in reopened.subject
    assert assignment.pk


def test_improvement_item_needs_a_code_of_the_category_and_a_deadline_after_today_hsc12():
    """Issue 13 item 5: a rubric code of the agency's category, due after today."""
    from datetime import timedelta

    from django.utils import timezone

    from serviceeval.reviews.models import Improvement
    from serviceeval.reviews.services import ReviewError, improvement_create

    cycle, (a,), _reviewers, office = setup_cycle(1, 1)
    today = timezone.localdate()
    for criterion, deadline, message in (
        ("9.9.9", today + timedelta(days=30), "不在"),
        ("1.1.1.1", today, "須晚於今天"),
        ("1.1.1.1", today - timedelta(days=1), "須晚於今天"),
    ):
        with pytest.raises(ReviewError, match=message):
            improvement_create(
                cycle=cycle,
                agency=a,
                text="x",
                deadline=deadline,
                actor=office,
                criterion=criterion,
            )
    assert not Improvement.objects.exists()
    item = improvement_create(
        cycle=cycle,
        agency=a,
        text="x",
        deadline=today + timedelta(days=1),
        actor=office,
        criterion="1.1.1.1",
    )
    assert item.deadline == today + timedelta(days=1)
