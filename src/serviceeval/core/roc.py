"""ROC (民國) calendar: stored as ordinary dates, shown as 民國 years."""

from __future__ import annotations

from datetime import date, datetime

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
