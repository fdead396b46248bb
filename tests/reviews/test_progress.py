"""Issue 13 item 3: the office sees each reviewer's progress (sheets assigned,
drafted, submitted, overdue) and can send a reminder from there."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.cycles.models import Milestone
from serviceeval.notifications.models import Notification
from serviceeval.reviews.selectors.progress import reviewer_progress
from serviceeval.reviews.services import conflict_declare, sheet_get_or_create, sheet_save
from tests.factories import user_for

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def _world():
    cycle, (a, b, c), (convener, member), office = setup_cycle(3, 2)
    score_all(cycle, [(a, convener, "0.8"), (b, convener, "0.8")])  # 2 submitted
    sheet = sheet_get_or_create(cycle=cycle, agency=a, reviewer=member, round="first")
    sheet_save(sheet=sheet, values={"1.1.1.1": ("30", "")}, version=sheet.version, actor=member)
    conflict_declare(cycle=cycle, reviewer=member, agency=c, reason="配偶任職", actor=office)
    return cycle, (a, b, c), (convener, member), office


def test_counts_per_reviewer_leave_out_conflicts_and_mark_overdue():
    cycle, _agencies, (convener, member), _office = _world()
    rows, deadline = reviewer_progress(cycle)
    assert deadline is None
    by = {r.member.user: r for r in rows}
    assert (by[convener].assigned, by[convener].submitted, by[convener].drafted) == (3, 2, 0)
    assert (by[member].assigned, by[member].drafted, by[member].not_started) == (2, 1, 1)
    assert all(r.overdue == 0 for r in rows)  # no scoring deadline: nothing overdue
    Milestone.objects.create(
        cycle=cycle, code="scoring_due", name="評分期限", at=timezone.now() - timedelta(days=1)
    )
    rows, deadline = reviewer_progress(cycle)
    assert {r.member.user: r.overdue for r in rows} == {convener: 1, member: 2}


def test_the_office_reminds_a_reviewer_from_the_page(client):
    cycle, _agencies, (convener, member), office = _world()
    url = f"/reviews/cycles/{cycle.year}/progress/"
    client.force_login(office)
    html = client.get(url).content.decode()
    assert "委員評分進度" in html and str(member) in html
    response = client.post(url, {"reviewer": member.pk}, follow=True)
    assert f"已寄送提醒給 {member}" in response.content.decode()
    [notice] = Notification.objects.filter(user=member, kind="scoring_reminder")
    assert "2 份評分表未送出" in notice.subject
    assert client.post(url, {"reviewer": office.pk}).status_code == 404  # not on the panel


def test_only_the_office_sees_the_progress(client):
    cycle, _agencies, (convener, member), _office = _world()
    url = f"/reviews/cycles/{cycle.year}/progress/"
    for user in (convener, user_for(Role.AGENCY_OFFICER), user_for(Role.TESTER)):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"reviewer": member.pk}).status_code == 403
    assert not Notification.objects.filter(kind="scoring_reminder").exists()


def test_progress_queries_do_not_grow_with_the_panel(client):
    counts = []
    for n in (1, 4):
        cycle, _agencies, _reviewers, office = setup_cycle(2, n, year=105 + n)
        client.force_login(office)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/reviews/cycles/{cycle.year}/progress/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_sheets_lock_after_the_scoring_deadline_until_the_convener_opens_them(client):
    """Issue 13 item 3: after `scoring_due` a sheet (draft or not) cannot be saved;
    the convener opens it again with a reason, and the reviewer is told."""
    from serviceeval.reviews.models import Sheet
    from serviceeval.reviews.services import ReviewError, sheet_locked_since, sheet_reopen

    cycle, (a, _b, _c), (convener, member), _office = _world()
    sheet = Sheet.objects.get(cycle=cycle, agency=a, reviewer=member)
    deadline = timezone.now() - timedelta(minutes=5)
    Milestone.objects.create(cycle=cycle, code="scoring_due", name="評分期限", at=deadline)
    assert sheet_locked_since(sheet) == deadline
    with pytest.raises(ReviewError, match="評分期限"):
        sheet_save(sheet=sheet, values={"1.1.1.1": ("40", "")}, version=sheet.version, actor=member)
    client.force_login(member)
    url = f"/reviews/cycles/{cycle.year}/agencies/{a.pk}/sheet/first/"
    html = client.get(url).content.decode()
    assert "評分表已鎖定" in html and "readonly" in html and "hx-post" not in html
    client.force_login(convener)
    page = client.get(f"/reviews/cycles/{cycle.year}/agencies/{a.pk}/").content.decode()
    assert f"/reviews/sheets/{sheet.pk}/reopen/" in page  # a draft, locked: the leader may open it
    sheet_reopen(sheet=sheet, reason="補評 1.1.1.1", actor=convener)
    sheet.refresh_from_db()
    assert sheet_locked_since(sheet) is None
    sheet_save(sheet=sheet, values={"1.1.1.1": ("40", "")}, version=sheet.version, actor=member)
    assert Notification.objects.filter(user=member, kind="sheet_reopened").exists()


def test_the_office_sets_the_scoring_deadline_and_the_panel_is_told(client):
    """Issue 13 item 3: a date after today; 23:59 of it in Asia/Taipei (moved by the
    working-day calendar like every deadline); a past date is refused by name."""
    from serviceeval.reviews.selectors.progress import scoring_deadline

    cycle, _agencies, (convener, member), office = _world()
    url = f"/reviews/cycles/{cycle.year}/progress/"
    client.force_login(office)
    past = client.post(url, {"action": "deadline", "day": timezone.localdate().isoformat()})
    assert past.status_code == 400 and "須晚於今天" in past.content.decode()
    assert scoring_deadline(cycle) is None
    day = timezone.localdate() + timedelta(days=20)
    response = client.post(url, {"action": "deadline", "day": day.isoformat()}, follow=True)
    assert "已通知考核小組" in response.content.decode()
    at = timezone.localtime(scoring_deadline(cycle))
    assert at.date() >= day and (at.hour, at.minute) == (23, 59)
    for user in (convener, member):
        assert Notification.objects.filter(user=user, kind="milestone_moved").count() == 1
    client.force_login(convener)
    assert client.post(url, {"action": "deadline", "day": day.isoformat()}).status_code == 403
