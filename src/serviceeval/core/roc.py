"""ROC (民國) calendar: stored as ordinary dates, shown as 民國 years, read back from
what people type (ROC or Gregorian)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from django.utils import timezone

ROC_OFFSET = 1911


def roc_to_gregorian(roc_year: int) -> int:
    return roc_year + ROC_OFFSET


def gregorian_to_roc(year: int) -> int:
    return year - ROC_OFFSET


def format_roc_date(value: date | datetime | None, *, with_time: bool = False) -> str:
    """`民國105年9月1日` (and `14:30` when asked); '' for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        text = f"民國{gregorian_to_roc(local.year)}年{local.month}月{local.day}日"
        return f"{text} {local:%H:%M}" if with_time else text
    return f"民國{gregorian_to_roc(value.year)}年{value.month}月{value.day}日"


def format_roc_year(roc_year: int) -> str:
    return f"民國{roc_year}年"


# --- reading dates typed by people (issue 15 item 3) ----------------------------------

MAX_DATE_TEXT = 40  # longer text is not a date; never run a pattern over it


class DateNotRead(ValueError):
    """The text is not a date (or date and time) in any accepted form."""


class NoSuchDay(DateNotRead):
    """The text reads as a date, but the calendar has no such day (115/02/30)."""


_ROC_PREFIX = re.compile(r"(?:中華)?民國\s*")
_DATE = re.compile(
    r"(?P<y1>\d{1,4})\s*年\s*(?P<m1>\d{1,2})\s*月\s*(?P<d1>\d{1,2})\s*日?"
    r"|(?P<y2>\d{1,4})\s*(?P<sep>[/.-])\s*(?P<m2>\d{1,2})\s*(?P=sep)\s*(?P<d2>\d{1,2})"
    r"|(?P<compact>\d{8}|\d{7})(?!\d)"
)
_TIME = re.compile(
    r"(?:\s*[Tt]\s*|\s+|)(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.\d{1,6})?)?"
)


def _normalise(text: str) -> str:
    """Full-width digits and marks (１１５／０４／３０, ：) become ASCII; spaces collapse."""
    text = unicodedata.normalize("NFKC", str(text)).strip()
    return re.sub(r"\s+", " ", text)


def _read_date(text: str) -> tuple[date, str]:
    """The date at the start of `text` and what follows it."""
    if len(text) > MAX_DATE_TEXT:
        raise DateNotRead(text)
    prefix = _ROC_PREFIX.match(text)
    roc = prefix is not None
    rest = text[prefix.end() :] if prefix else text
    m = _DATE.match(rest)
    if m is None:
        raise DateNotRead(text)
    if m["compact"]:
        digits = m["compact"]  # 1150430 (ROC) or 20260430 (Gregorian); six digits are ambiguous
        year, month, day = int(digits[:-4]), int(digits[-4:-2]), int(digits[-2:])
    else:
        n = "1" if m["y1"] else "2"  # 115年4月30日 or 115/04/30
        year, month, day = int(m[f"y{n}"]), int(m[f"m{n}"]), int(m[f"d{n}"])
    if year == 0 or (roc and year >= 1000):
        raise DateNotRead(text)
    if year < 1000:  # a ROC year: 115 is 2026
        year = roc_to_gregorian(year)
    try:
        return date(year, month, day), rest[m.end() :]
    except ValueError:
        raise NoSuchDay(text) from None


def parse_roc_date(text: str) -> date:
    """A date typed in the ROC calendar or the Gregorian one.

    `民國115年4月30日`, `民國 115/04/30`, `115/04/30`, `115-04-30`, `115.4.30`, `1150430`,
    `2026-04-30`, `2026/04/30`, `20260430`; full-width digits too. Years below 1000 are
    ROC years. Raises `NoSuchDay` for 115/02/30 and `DateNotRead` for anything else."""
    text = _normalise(text)
    day, rest = _read_date(text)
    if rest.strip():
        raise DateNotRead(text)
    return day


def parse_roc_datetime(text: str) -> datetime:
    """A date as `parse_roc_date` reads it followed by `HH:MM` (`民國115年4月30日 17:00`,
    `115/04/30 17:00`, and the `2026-04-30T17:00` browsers send), aware in the
    project's time zone (Asia/Taipei). A date alone is 00:00 of that day."""
    text = _normalise(text)
    day, rest = _read_date(text)
    hour = minute = second = 0
    if rest.strip():
        m = _TIME.fullmatch(rest)
        if m is None:
            raise DateNotRead(text)
        hour, minute, second = int(m["h"]), int(m["mi"]), int(m["s"] or 0)
        if hour > 23 or minute > 59 or second > 59:
            raise DateNotRead(text)
    moment = datetime.combine(day, time(hour, minute, second))
    return timezone.make_aware(moment, timezone.get_default_timezone())
