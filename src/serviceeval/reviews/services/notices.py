"""What a reviewer is told (issue 13 item 6): an assignment, a reopened sheet."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.models import User
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date, format_roc_year
from serviceeval.cycles.models import Milestone
from serviceeval.cycles.services import TAIPEI, milestones_apply_calendar
from serviceeval.notifications.enums import Kind as NoticeKind
from serviceeval.notifications.services import Notice, notify, notify_many

from ..models import Assignment, Round, Sheet
from ..selectors.progress import SCORING_MILESTONE
from .base import ReviewError, _frozen_check

ROUND_SLUG = {Round.FIRST: "first", Round.RE_EVALUATION: "re-evaluation"}


def _sheet_url(cycle, agency_id, round_) -> str:
    return reverse("reviews:sheet", args=[cycle.year, agency_id, ROUND_SLUG[round_]])


def tell_assigned(assignment: Assignment) -> None:
    """One assignment made by hand: the reviewer gets a notice linking the sheet."""
    cycle, agency = assignment.cycle, assignment.agency
    names = {
        "agency": agency.name,
        "year": format_roc_year(cycle.year),
        "round": Round(assignment.round).label,
    }
    notify(
        users=[assignment.reviewer],
        kind=NoticeKind.ASSIGNMENT,
        key=f"assignment:{assignment.pk}",
        subject=_("You are assigned to review %(agency)s (%(year)s, %(round)s)") % names,
        body=_("Open the score sheet of %(agency)s from your assignments.") % names,
        url=_sheet_url(cycle, agency.pk, assignment.round),
    )


def tell_auto_assigned(cycle, new: list[Assignment], round_) -> None:
    """An automatic assignment: one notice per reviewer, however many agencies."""
    by_reviewer: dict[int, list[Assignment]] = defaultdict(list)
    for a in new:
        by_reviewer[a.reviewer_id].append(a)
    if not by_reviewer:
        return
    users = User.objects.in_bulk(list(by_reviewer))
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    year, round_label = format_roc_year(cycle.year), Round(round_).label
    notify_many(
        [
            Notice(
                [users[uid]],
                NoticeKind.ASSIGNMENT,
                f"auto_assigned:{cycle.pk}:{round_}:{uid}:{stamp}",
                _("You are assigned %(n)d agencies to review (%(year)s, %(round)s)")
                % {"n": len(items), "year": year, "round": round_label},
                ", ".join(sorted(a.agency.name for a in items)),
                reverse("reviews:home"),
            )
            for uid, items in by_reviewer.items()
        ]
    )


def tell_reopened(sheet: Sheet, reason: str) -> None:
    """The convener reopened a submitted sheet: its reviewer is told why."""
    names = {
        "agency": sheet.agency.name,
        "year": format_roc_year(sheet.cycle.year),
        "when": format_roc_date(timezone.localdate()),
    }
    notify(
        users=[sheet.reviewer],
        kind=NoticeKind.SHEET_REOPENED,
        key=f"sheet_reopened:{sheet.pk}:{sheet.version}",
        subject=_("Your score sheet for %(agency)s (%(year)s) is reopened") % names,
        body=_("Reopened on %(when)s by the convener: %(reason)s") % {**names, "reason": reason},
        url=_sheet_url(sheet.cycle, sheet.agency_id, sheet.round),
    )


def remind_reviewer(*, cycle, progress, actor) -> bool:
    """The office reminds one reviewer of the sheets still to submit (from the
    progress page). False when nothing is owed: no reminder is sent."""
    owed = progress.assigned - progress.submitted
    if owed <= 0:
        return False
    reviewer = progress.member.user
    names = {"cycle": str(cycle), "n": owed}
    notify(
        users=[reviewer],
        kind=NoticeKind.SCORING_REMINDER,
        key=f"scoring_reminder:{cycle.pk}:{reviewer.pk}:{timezone.now():%Y%m%d%H%M%S%f}",
        subject=_("%(cycle)s: %(n)s score sheets still to submit") % names,
        body=_("The program office reminds you of the sheets not yet submitted."),
        url=reverse("reviews:home"),
    )
    audit_record(
        actor=actor,
        action="reviewer_reminded",
        obj=cycle,
        after={"reviewer": reviewer.pk, "owed": owed},
    )
    return True


def scoring_deadline_set(*, cycle, day, actor) -> Milestone:
    """The office sets the cycle's scoring deadline (`scoring_due`): 23:59 of `day`
    in Asia/Taipei, moved to the next working day by the calendar like every
    deadline (SPEC §3.3). After it sheets lock until the convener opens them. The
    panel is told of the new deadline."""
    _frozen_check(cycle)
    if day <= timezone.localdate():
        raise ReviewError(
            _("The scoring deadline %(date)s must be after today.") % {"date": format_roc_date(day)}
        )
    nominal = datetime.combine(day, time(23, 59, 59), tzinfo=TAIPEI)
    milestone, _created = Milestone.objects.update_or_create(
        cycle=cycle,
        code=SCORING_MILESTONE,
        defaults={
            "name": _("Scoring deadline"),
            "at": nominal,
            "nominal_at": nominal,
            "deadline": True,
            "rule": "HSC-3",
            "moved_note": "",
        },
    )
    milestones_apply_calendar([milestone], actor=actor, audit=False)
    milestone.refresh_from_db()
    audit_record(
        actor=actor,
        action="scoring_deadline_set",
        obj=cycle,
        after={"at": milestone.at.isoformat()},
    )
    when = format_roc_date(milestone.at, with_time=True)
    notify(
        users=[m.user for m in cycle.panel.select_related("user")],
        kind=NoticeKind.MILESTONE_MOVED,
        key=f"scoring_due:{cycle.pk}:{milestone.at:%Y%m%d%H%M}",
        subject=_("%(cycle)s: score sheets are due by %(when)s")
        % {"cycle": str(cycle), "when": when},
        body=milestone.moved_note,
        url=reverse("reviews:home"),
    )
    return milestone
