"""Reminders of the reviews app (issue 13 item 6), for `send_reminders`:
a reviewer's sheets not submitted before the scoring deadline (`scoring_due`),
an agency's improvement items (HSC-12) before and after their deadline."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.selectors import agency_staff_by_agency
from serviceeval.core.roc import format_roc_date
from serviceeval.cycles.models import Cycle, Milestone
from serviceeval.notifications.enums import Kind as NoticeKind
from serviceeval.notifications.reminders import due_threshold, recently_passed
from serviceeval.notifications.services import Notice

from .conflicts import conflicted_pairs
from .models import Assignment, Improvement, ImprovementStatus, Sheet, SheetStatus
from .selectors.progress import SCORING_MILESTONE


def _open_cycles():
    return list(Cycle.objects.filter(results_published_at__isnull=True).select_related("program"))


def scoring_reminders(now):
    cycles = _open_cycles()
    deadlines = {
        m.cycle_id: m.at for m in Milestone.objects.filter(cycle__in=cycles, code=SCORING_MILESTONE)
    }
    for cycle in cycles:
        deadline = deadlines.get(cycle.pk)
        if deadline is None:
            continue
        d = due_threshold(deadline, now, cycle.program.spec.reminder_days)
        if d is None:
            continue
        submitted = set(
            Sheet.objects.filter(cycle=cycle, status=SheetStatus.SUBMITTED).values_list(
                "reviewer_id", "agency_id", "round"
            )
        )
        conflicted = conflicted_pairs(cycle)
        owed: Counter = Counter()
        users = {}
        for a in Assignment.objects.filter(cycle=cycle).select_related("reviewer"):
            if (a.reviewer_id, a.agency_id, a.round) in submitted:
                continue
            if (a.reviewer_id, a.agency_id) in conflicted:
                continue
            owed[a.reviewer_id] += 1
            users[a.reviewer_id] = a.reviewer
        when = format_roc_date(deadline, with_time=True)
        for reviewer_id, n in sorted(owed.items()):
            subject = _("%(cycle)s: %(n)s score sheets to submit by %(when)s") % {
                "cycle": str(cycle),
                "n": n,
                "when": when,
            }
            body = _("The scoring deadline is %(when)s, in %(days)s days.") % {
                "when": when,
                "days": d,
            }
            yield Notice(
                [users[reviewer_id]],
                NoticeKind.DEADLINE_COMING,
                f"scoring_due:{cycle.pk}:{reviewer_id}:{deadline:%Y%m%d%H%M}:{d}",
                subject,
                body,
                reverse("reviews:home"),
            )


def _end_of(day):
    """An item due on a day may be answered until 23:59:59 of it (Asia/Taipei)."""
    return timezone.make_aware(datetime.combine(day, time(23, 59, 59)))


def improvement_reminders(now):
    items = list(
        Improvement.objects.filter(
            status__in=(ImprovementStatus.OPEN, ImprovementStatus.RETURNED)
        ).select_related("agency", "cycle__program")
    )
    staff = agency_staff_by_agency({i.agency_id for i in items})
    for item in items:
        people = staff.get(item.agency_id, [])
        if not people:
            continue
        deadline = _end_of(item.deadline)
        cycle = item.cycle  # items follow published results: any cycle
        when = format_roc_date(item.deadline)
        url = reverse("reviews:improvement", args=[item.pk])
        stamp = f"{item.pk}:{item.deadline:%Y%m%d}"
        d = due_threshold(deadline, now, cycle.program.spec.reminder_days)
        if d is not None:
            subject = _("%(agency)s: improvement item due in %(days)s days (%(when)s)") % {
                "agency": item.agency.name,
                "days": d,
                "when": when,
            }
            yield Notice(
                people,
                NoticeKind.IMPROVEMENT_DUE,
                f"improvement_due:{stamp}:{d}",
                subject,
                item.text,
                url,
            )
        elif recently_passed(deadline, now):
            subject = _("%(agency)s: improvement item overdue since %(when)s") % {
                "agency": item.agency.name,
                "when": when,
            }
            yield Notice(
                people,
                NoticeKind.IMPROVEMENT_DUE,
                f"improvement_overdue:{stamp}",
                subject,
                item.text,
                url,
            )
