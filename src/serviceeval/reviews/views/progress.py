"""The office's view of each reviewer's progress, with a reminder (issue 13 item 3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_office
from serviceeval.core.access import access
from serviceeval.core.params import id_or_404
from serviceeval.core.roc import format_roc_date

from ..forms import DeadlineForm
from ..selectors.progress import reviewer_progress
from ..services import ReviewError
from ..services.notices import remind_reviewer, scoring_deadline_set
from .common import _cycle


@access(is_office)
def progress(request, year):
    cycle = _cycle(year)
    if request.method == "POST" and request.POST.get("action") == "deadline":
        return _set_deadline(request, cycle)
    if request.method == "POST":
        return _remind(request, cycle)
    return progress_page(request, cycle)


def _remind(request, cycle):
    rows, _deadline = reviewer_progress(cycle)
    reviewer_id = id_or_404(request.POST.get("reviewer"))
    row = next((r for r in rows if r.member.user_id == reviewer_id), None)
    if row is None:
        raise Http404
    if remind_reviewer(cycle=cycle, progress=row, actor=request.user):
        messages.success(request, _("Reminder sent to %(name)s.") % {"name": row.member.user})
    else:
        messages.info(
            request,
            _("%(name)s has no sheet left to submit; no reminder sent.")
            % {"name": row.member.user},
        )
    return redirect("reviews:progress", year=cycle.year)


def progress_page(request, cycle, form=None, status=200):
    rows, deadline = reviewer_progress(cycle)
    totals = {
        key: sum(getattr(r, key) for r in rows)
        for key in ("assigned", "drafted", "submitted", "overdue", "not_started")
    }
    return render(
        request,
        "reviews/progress.html",
        {
            "cycle": cycle,
            "rows": rows,
            "deadline": deadline,
            "totals": totals,
            "deadline_form": form or DeadlineForm(),
        },
        status=status,
    )


def _set_deadline(request, cycle):
    form = DeadlineForm(request.POST)
    if form.is_valid():
        try:
            milestone = scoring_deadline_set(
                cycle=cycle, day=form.cleaned_data["day"], actor=request.user
            )
        except ReviewError as exc:
            form.add_error("day", str(exc))
        else:
            messages.success(
                request,
                _("The scoring deadline is %(when)s; the panel is told.")
                % {"when": format_roc_date(milestone.at, with_time=True)},
            )
            return redirect("reviews:progress", year=cycle.year)
    return progress_page(request, cycle, form=form, status=400)
