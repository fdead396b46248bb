"""Notifications (issue 13 item 6): notices stored once per person and key,
optional reminders a person can turn off, e-mail delivered after the commit with
failures kept for the outbox, reminders computed from effective deadlines."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from serviceeval.accounts.enums import Role
from serviceeval.cycles.models import Milestone
from serviceeval.notifications.enums import EmailStatus, Kind
from serviceeval.notifications.models import Notification
from serviceeval.notifications.reminders import collect, due_threshold
from serviceeval.notifications.selectors import unread_count
from serviceeval.notifications.services import (
    deliver_pending,
    mark_all_read,
    notify,
    retry_failed,
    set_opt_outs,
)
from serviceeval.submissions.services import submission_reopen
from tests.factories import user_for
from tests.submissions.conftest import build_world


@pytest.fixture
def people(db):
    return [
        user_for(Role.COORDINATOR, email="a@example.gov.tw"),
        user_for(Role.COORDINATOR, email=""),
        user_for(Role.COORDINATOR, email="c@example.gov.tw", is_active=False),
    ]


def test_notify_stores_each_person_once_per_key_and_mails_after_commit(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(users=people, kind=Kind.ASSIGNMENT, key="k1", subject="主旨", url="/x/") == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(users=people, kind=Kind.ASSIGNMENT, key="k1", subject="主旨") == 0
    rows = {n.user_id: n for n in Notification.objects.all()}
    assert set(rows) == {people[0].pk, people[1].pk}  # the inactive account gets nothing
    assert rows[people[0].pk].email_status == EmailStatus.SENT
    assert rows[people[1].pk].email_status == EmailStatus.NO_ADDRESS
    assert [m.to for m in mail.outbox] == [["a@example.gov.tw"]]
    assert mail.outbox[0].subject == "主旨"
    assert mail.outbox[0].body.endswith("/x/")


def test_unknown_kind_is_refused(people):
    with pytest.raises(ValueError):
        notify(users=people[:1], kind="nonsense", key="k", subject="s")


def test_optional_reminders_can_be_turned_off_required_ones_cannot(people):
    who = people[0]
    set_opt_outs(user=who, kinds=[Kind.DEADLINE_COMING, Kind.SUBMISSION_RETURNED])
    assert notify(users=[who], kind=Kind.DEADLINE_COMING, key="r1", subject="s") == 0
    # SUBMISSION_RETURNED is not optional: the opt-out was not even stored.
    assert notify(users=[who], kind=Kind.SUBMISSION_RETURNED, key="r2", subject="s") == 1
    set_opt_outs(user=who, kinds=[])
    assert notify(users=[who], kind=Kind.DEADLINE_COMING, key="r1", subject="s") == 1


def test_a_failed_mail_is_kept_and_can_be_sent_again(people, settings, monkeypatch):
    notify(users=people[:1], kind=Kind.ASSIGNMENT, key="f", subject="s")

    def broken(self, *a, **kw):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", broken)
    assert deliver_pending() == (0, 1)
    n = Notification.objects.get()
    assert (n.email_status, n.email_error) == (EmailStatus.FAILED, "connection refused")
    monkeypatch.undo()
    assert retry_failed() == 1
    assert deliver_pending() == (1, 0)
    assert Notification.objects.get().email_status == EmailStatus.SENT


def test_unread_count_follows_new_and_read_notices(people):
    who = people[0]
    assert unread_count(who) == 0
    notify(users=[who], kind=Kind.ASSIGNMENT, key="u1", subject="s")
    notify(users=[who], kind=Kind.ASSIGNMENT, key="u2", subject="s")
    assert unread_count(who) == 2
    mark_all_read(user=who)
    assert unread_count(who) == 0


def test_due_threshold_sends_only_the_nearest_reminder():
    deadline = timezone.now() + timedelta(days=20)
    assert due_threshold(deadline, deadline - timedelta(days=15), (14, 7, 1)) is None
    assert due_threshold(deadline, deadline - timedelta(days=13), (14, 7, 1)) == 14
    # The command did not run for a week: only the 1-day reminder goes out.
    assert due_threshold(deadline, deadline - timedelta(hours=2), (14, 7, 1)) == 1
    assert due_threshold(deadline, deadline, (14, 7, 1)) is None


@pytest.fixture
def world(db):
    w = build_world()
    for u in (w.officer, w.head, w.other_officer):
        u.email = f"{u.username}@example.gov.tw"
        u.save(update_fields=["email"])
    return w


def _report_due(world):
    return Milestone.objects.get(cycle=world.cycle, code="report_due")


def test_send_reminders_twice_sends_nothing_the_second_time(world, capsys):
    """issue 13: `send_reminders` is idempotent."""
    due = _report_due(world)
    due.at = timezone.now() + timedelta(days=5)
    due.save(update_fields=["at"])
    call_command("send_reminders")
    first = len(mail.outbox)
    # Report (both agencies: officer + head of one, officer of the other) and no
    # plan: the agencies are first-level and hsinchu-105 has no plan deadline.
    assert first == 3
    assert all("7" in m.subject for m in mail.outbox)
    call_command("send_reminders")
    assert len(mail.outbox) == first
    assert capsys.readouterr().out.splitlines()[-1] == (
        "send_reminders：到期提醒 2 則，新通知 0 則，寄出電子郵件 0 封，失敗 0 封"
    )
    with translation.override("en"):
        call_command("send_reminders")
    assert capsys.readouterr().out.splitlines()[-1] == (
        "send_reminders: 2 reminders due, 0 new notices, 0 e-mails sent, 0 failed"
    )
    assert all("日後截止" in m.subject for m in mail.outbox)  # the notices: zh-Hant


def test_reminders_use_the_reopened_deadline(world):
    """A reopening gives the agency a new deadline: the reminder names it."""
    due = _report_due(world)
    due.at = timezone.now() - timedelta(days=30)
    due.save(update_fields=["at"])
    now = timezone.now()
    assert [n for n in collect(now) if f":report:{world.agency.pk}:" in n.key] == []
    new = now + timedelta(days=3)
    submission_reopen(
        cycle=world.cycle,
        agency=world.agency,
        kind="report",
        category="overall",
        deadline=new,
        reason="系統故障",
        user=world.office,
    )
    mine = [n for n in collect(now) if f":report:{world.agency.pk}:" in n.key]
    assert len(mine) == 1
    assert mine[0].kind == Kind.DEADLINE_COMING
    assert f"{new:%Y%m%d%H%M}" in mine[0].key


def test_deadline_passed_notice_once(world):
    due = _report_due(world)
    due.at = timezone.now() - timedelta(days=2)
    due.save(update_fields=["at"])
    call_command("send_reminders")
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert kinds == {Kind.DEADLINE_PASSED}
    n = Notification.objects.count()
    call_command("send_reminders")
    assert Notification.objects.count() == n


def test_submitted_report_gets_no_reminder(world):
    from serviceeval.submissions.models import Submission

    due = _report_due(world)
    due.at = timezone.now() + timedelta(days=1)
    due.save(update_fields=["at"])
    Submission.objects.create(
        cycle=world.cycle, agency=world.agency, kind="report", category="overall", state="submitted"
    )
    keys = [n.key for n in collect(timezone.now())]
    assert not any(f":report:{world.agency.pk}:" in k for k in keys)
    assert any(f":report:{world.other.pk}:" in k for k in keys)


def test_a_deadline_moved_by_the_calendar_is_told_to_participants(world):
    """A holiday recorded on the report deadline's day moves it (SPEC §3.3); the
    agencies' staff and the office get one notice naming the new moment."""
    from datetime import datetime, time

    from serviceeval.cycles.services import TAIPEI, calendar_day_set, milestones_apply_calendar

    due = _report_due(world)
    # A Wednesday a month ahead, at 23:59 Taipei: a working day until we say otherwise.
    day = (timezone.now() + timedelta(days=30)).astimezone(TAIPEI).date()
    while day.weekday() != 2:
        day += timedelta(days=1)
    due.nominal_at = due.at = datetime.combine(day, time(23, 59), tzinfo=TAIPEI)
    due.save(update_fields=["at", "nominal_at"])
    milestones_apply_calendar([due], actor=world.office)
    assert not Notification.objects.exists()
    calendar_day_set(day=day, day_off=True, note="颱風假", actor=world.office)
    got = Notification.objects.filter(kind=Kind.MILESTONE_MOVED)
    assert {n.user_id for n in got} == {
        world.officer.pk,
        world.head.pk,
        world.other_officer.pk,
        world.office.pk,
    }
    assert "星期四" in got[0].body or "順延" in got[0].body
