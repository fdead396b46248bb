"""Deadlines on non-working days (SPEC §3.3, 行政程序法 §48). No Django.

A deadline whose last day is a Saturday, Sunday or public holiday moves to the end
of the next working day. The office's working-day calendar says which days are off
(`True`) and which are working days (`False`, e.g. a make-up Saturday); a day the
calendar does not list is a working day from Monday to Friday.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta

END_OF_DAY = time(23, 59, 59)
# The longest run of days off in a Taiwanese year is the Lunar New Year (9–10
# days); a calendar that leaves no working day in two months is an input error.
MAX_DAYS_OFF = 60


def is_working_day(day: date, days_off: Mapping[date, bool]) -> bool:
    if day in days_off:
        return not days_off[day]
    return day.weekday() < 5


def effective_deadline(nominal: datetime, days_off: Mapping[date, bool]) -> datetime:
    """`nominal` (aware, in the city's time zone) or, when its day is not a working
    day, the end (23:59:59) of the next working day in the same time zone."""
    day = nominal.date()
    if is_working_day(day, days_off):
        return nominal
    for _ in range(MAX_DAYS_OFF):
        day += timedelta(days=1)
        if is_working_day(day, days_off):
            return datetime.combine(day, END_OF_DAY, tzinfo=nominal.tzinfo)
    raise ValueError(f"no working day within {MAX_DAYS_OFF} days after {nominal.date()}")
