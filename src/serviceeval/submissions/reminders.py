"""Reminders of plan and report deadlines (issue 13 item 6), for `send_reminders`.

For every cycle whose results are not published: each participant's required
plan/report that is not submitted gets, to the agency's officers and heads, a
reminder a number of days before its effective deadline (the program's
`reminder_days`; a reopening or the working-day calendar moves it) and one
notice when the deadline has passed with the submission missing."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from serviceeval.accounts.selectors import agency_staff_by_agency
from serviceeval.core.roc import format_roc_date
from serviceeval.cycles.models import Cycle
from serviceeval.notifications.enums import Kind as NoticeKind
from serviceeval.notifications.reminders import due_threshold, recently_passed
from serviceeval.notifications.services import Notice

from .enums import Kind, State
from .selectors import status_rows

DONE = (State.SUBMITTED, State.ACCEPTED)


def submission_reminders(now):
    cycles = Cycle.objects.filter(results_published_at__isnull=True).select_related("program")
    for cycle in cycles:
        days = cycle.program.spec.reminder_days
        rows = status_rows(cycle)
        staff = agency_staff_by_agency(r.participant.agency_id for r in rows)
        for row in rows:
            agency = row.participant.agency
            people = staff.get(agency.pk, [])
            if not people:
                continue
            for kind, cell in row.cells.items():
                deadline = cell.get("deadline")
                if not cell["required"] or deadline is None or cell["state"] in DONE:
                    continue
                yield from _notices(cycle, agency, kind, deadline, people, now, days)


def _notices(cycle, agency, kind, deadline, people, now, days):
    what = Kind(kind).label
    url = reverse("submissions:detail", args=[cycle.year, kind, agency.pk])
    stamp = f"{cycle.pk}:{kind}:{agency.pk}:{deadline:%Y%m%d%H%M}"
    when = format_roc_date(deadline, with_time=True)
    d = due_threshold(deadline, now, days)
    if d is not None:
        subject = _("%(agency)s: the %(what)s of %(cycle)s is due in %(days)s days (%(when)s)") % {
            "agency": agency.name,
            "what": what,
            "cycle": str(cycle),
            "days": d,
            "when": when,
        }
        body = _("Deadline: %(when)s. It is not submitted yet.") % {"when": when}
        yield Notice(
            people, NoticeKind.DEADLINE_COMING, f"deadline_coming:{stamp}:{d}", subject, body, url
        )
    elif recently_passed(deadline, now):
        subject = _(
            "%(agency)s: the deadline of the %(what)s of %(cycle)s has passed (%(when)s)"
        ) % {
            "agency": agency.name,
            "what": what,
            "cycle": str(cycle),
            "when": when,
        }
        body = _(
            "The %(what)s was not submitted by %(when)s and is now locked. Ask the program office to reopen it."
        ) % {"what": what, "when": when}
        yield Notice(
            people, NoticeKind.DEADLINE_PASSED, f"deadline_passed:{stamp}", subject, body, url
        )
