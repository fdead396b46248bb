"""Date and date-time form fields in the ROC calendar (issue 15 item 3).

People type `民國115年4月30日`, `115/04/30`, `115-04-30` or the Gregorian `2026-04-30`
(`core.roc.parse_roc_date`); a form shows its value back as `民國115年4月30日`, and
a value that does not read is refused with a message that names the field. Every
date and date-time a person types in the product goes through these two fields."""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .roc import (
    MAX_DATE_TEXT,
    DateNotRead,
    NoSuchDay,
    format_roc_date,
    parse_roc_date,
    parse_roc_datetime,
)

DATE_PLACEHOLDER = "民國115年4月30日"
DATETIME_PLACEHOLDER = "民國115年4月30日 17:00"
DATE_HELP = _("Accepted: 民國115年4月30日, 115/04/30, 115-04-30 or 2026-04-30.")
DATETIME_HELP = _(
    "Accepted: 民國115年4月30日 17:00, 115/04/30 17:00 or 2026-04-30 17:00 (Asia/Taipei)."
)


class RocDateInput(forms.DateInput):
    """A text box (not the browser's Gregorian date picker) that shows a date as
    `民國115年4月30日` and what was typed as it was typed."""

    input_type = "text"
    with_time = False
    placeholder = DATE_PLACEHOLDER

    def __init__(self, attrs=None):
        defaults = {
            "inputmode": "text",  # 民國, 年 and / are typed too: not a number pad
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": self.placeholder,
            "maxlength": str(MAX_DATE_TEXT),
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (date, datetime)):
            return format_roc_date(value, with_time=self.with_time)
        return None if value in (None, "") else str(value)


class RocDateTimeInput(RocDateInput):
    with_time = True
    placeholder = DATETIME_PLACEHOLDER


class _RocTemporal:
    """What the two fields share: read the text with `parse`, name the field when it
    does not read, and say the accepted forms below the field's own help text."""

    parse = staticmethod(parse_roc_date)
    accepted = DATE_HELP
    default_error_messages = {
        "no_such_day": _("“%(field)s”: there is no such day as %(value)s."),
    }

    def __init__(self, *, help_text="", **kwargs):
        accepted = format_lazy("{} {}", help_text, self.accepted) if help_text else self.accepted
        super().__init__(help_text=accepted, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, (date, datetime)):
            return super().to_python(value)
        try:
            return self.parse(str(value))
        except NoSuchDay:
            raise self._error("no_such_day", value) from None
        except DateNotRead:
            raise self._error("invalid", value) from None

    def _error(self, code, value):
        return forms.ValidationError(
            self.error_messages[code],
            code=code,
            params={"field": self.label or _("Date"), "value": str(value)[:MAX_DATE_TEXT]},
        )


class RocDateField(_RocTemporal, forms.DateField):
    """A date typed in the ROC (or Gregorian) calendar; cleans to a `date`."""

    widget = RocDateInput
    default_error_messages = {
        "invalid": _(
            "“%(field)s” could not be read as a date: write it as 115/04/30 (ROC) or 2026-04-30."
        ),
    }


class RocDateTimeField(_RocTemporal, forms.DateTimeField):
    """A date and time typed in the ROC (or Gregorian) calendar, Asia/Taipei; cleans
    to an aware `datetime`. The `2026-04-30T17:00` that browsers' date-time pickers
    send is read too, and a date alone is 00:00 of that day."""

    widget = RocDateTimeInput
    parse = staticmethod(parse_roc_datetime)
    accepted = DATETIME_HELP
    default_error_messages = {
        "invalid": _(
            "“%(field)s” could not be read as a date and time: write it as 115/04/30 17:00 (ROC) or 2026-04-30 17:00."
        ),
    }


def roc_date_input(name: str, id_: str, *, with_time: bool = False, required: bool = True):
    """The markup of a date box for a template that writes its form by hand (several
    small forms per row): the help line, then the input described by it, as
    `submissions/_field.html` renders a `RocDateField`. The view reads the value with
    the same field, so the message names the field."""
    widget = RocDateTimeInput() if with_time else RocDateInput()
    help_id = f"{id_}_helptext"
    attrs = {"id": id_, "aria-describedby": help_id}
    if required:
        attrs["required"] = True
    return format_html(
        '<small class="help" id="{}">{}</small>{}',
        help_id,
        DATETIME_HELP if with_time else DATE_HELP,
        widget.render(name, None, attrs),
    )
