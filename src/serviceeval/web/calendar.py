"""The office's working-day calendar (SPEC §3.3, 行政程序法 §48): import the
government's office calendar, add or remove a holiday or make-up working day."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office
from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.roc import format_roc_date
from serviceeval.core.tabular import SPREADSHEET_SUFFIXES, TabularError, read_rows
from serviceeval.cycles.selectors import calendar_special_days, calendar_years
from serviceeval.cycles.services import calendar_day_remove, calendar_day_set, calendar_import

from .forms import CalendarDayForm, CalendarUploadForm


def _year(request) -> int:
    """The Gregorian year shown: ?year= as an ROC year (116), else this year."""
    try:
        roc = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return roc + 1911 if 1 <= roc <= 200 else timezone.localdate().year


def _back(year: int):
    return redirect(f"/calendar/?year={year - 1911}")


def _page(request, year, *, upload=None, day=None, errors=(), status=200):
    ctx = {
        "year": year,
        "roc_year": year - 1911,
        "years": [dict(y, roc=y["year"] - 1911) for y in calendar_years()],
        "special": calendar_special_days(year),
        "upload_form": upload or CalendarUploadForm(),
        "day_form": day or CalendarDayForm(),
        "import_errors": list(errors),
    }
    return render(request, "web/calendar.html", ctx, status=status)


@access(is_office)
def calendar(request):
    return _page(request, _year(request))


@access(is_office)
@require_POST
def calendar_upload(request):
    year = _year(request)
    form = CalendarUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, year, upload=form, status=400)
    upload = form.cleaned_data["file"]
    suffix = Path(upload.name).suffix.lower()
    if suffix not in (".csv", *SPREADSHEET_SUFFIXES):
        form.add_error("file", _("Use a .csv, .xlsx or .ods file."))
        return _page(request, year, upload=form, status=400)
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        try:
            rows = read_rows(tmp.name, ("西元日期", "是否放假"))
        except TabularError as exc:
            form.add_error("file", str(exc).replace(tmp.name, upload.name))
            return _page(request, year, upload=form, status=400)
    report = calendar_import(rows=rows, actor=request.user)
    if report.errors:
        return _page(request, year, upload=form, errors=report.errors, status=400)
    messages.success(
        request,
        _("Imported %(days)s days (%(off)s days off) for %(years)s; %(moved)s deadlines moved.")
        % {
            "days": report.days,
            "off": report.days_off,
            "years": "、".join(f"{y - 1911}" for y in report.years),
            "moved": report.moved,
        },
    )
    return _back(report.years[0])


@access(is_office)
@require_POST
def calendar_day(request):
    form = CalendarDayForm(request.POST)
    if not form.is_valid():
        return _page(request, _year(request), day=form, status=400)
    d = form.cleaned_data
    calendar_day_set(day=d["date"], day_off=d["day_off"], note=d["note"], actor=request.user)
    messages.success(request, _("The day is recorded; deadlines follow it."))
    return _back(d["date"].year)


@access(is_office)
@require_POST
def calendar_day_delete(request):
    try:
        day = date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        messages.error(request, _("Choose a date."))
        return _back(_year(request))
    if needs_confirmation(request):
        entry = next((d for d in calendar_special_days(day.year) if d.date == day), None)
        if entry is not None:  # removing a day not listed changes nothing: no question
            return _confirm_removal(request, entry)
    calendar_day_remove(day=day, actor=request.user)
    messages.success(request, _("The day is removed; deadlines follow the calendar again."))
    return _back(day.year)


def _confirm_removal(request, entry):
    """Issue 13 item 4: deadlines may move when a day leaves the calendar."""
    names = {"date": format_roc_date(entry.date), "note": entry.note or "—"}
    lines = [
        (
            _("%(date)s is no longer a day off (%(note)s).")
            if entry.day_off
            else _("%(date)s is no longer a make-up working day (%(note)s).")
        )
        % names,
        _("It is a working day again, as every Monday to Friday.")
        if entry.date.weekday() < 5
        else _("It is a day off again, as every Saturday and Sunday."),
        _("Deadlines that depend on it are computed again and may move; each move is logged."),
        _("It can be recorded again on this page or by importing the calendar."),
    ]
    return confirmation(
        request,
        title=_("Remove %(date)s from the working-day calendar?") % names,
        consequences=lines,
        action_label=_("Remove the day"),
        cancel_url=f"/calendar/?year={entry.date.year - 1911}",
        destructive=True,
    )
