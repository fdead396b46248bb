"""Scheduled reminders: each app registers a producer in its AppConfig.ready.

A producer is ``fn(now) -> iterable of services.Notice``; `send_reminders` runs
them all, stores what is new (`notify_many` never stores a key twice for the
same person) and delivers the e-mail. Producers compute from the effective
deadlines (working-day calendar, reopenings), so a moved deadline is a new
notice with its new date.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

PRODUCERS: list[Callable] = []

# A "deadline passed, still missing" notice is sent within this time after it.
PASSED_WITHIN = timedelta(days=7)


def register_reminders(fn: Callable[[datetime], Iterable]) -> None:
    if fn not in PRODUCERS:
        PRODUCERS.append(fn)


def due_threshold(deadline: datetime, now: datetime, days: Iterable[int]) -> int | None:
    """The reminder due now for `deadline`: the smallest of `days` whose moment
    (deadline − d days) has come, while the deadline has not; None otherwise.

    Only the nearest one is sent: a command that did not run for a week does not
    send the 14- and the 7-day reminders together."""
    if now >= deadline:
        return None
    due = [d for d in days if now >= deadline - timedelta(days=d)]
    return min(due) if due else None


def recently_passed(deadline: datetime, now: datetime) -> bool:
    return deadline <= now < deadline + PASSED_WITHIN


def collect(now: datetime) -> list:
    notices = []
    for fn in PRODUCERS:
        notices.extend(fn(now))
    return notices
