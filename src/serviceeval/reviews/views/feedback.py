"""The agency's feedback report and its download."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.core.access import access
from serviceeval.exports.http import file_response

from ..exporters import feedback_bytes
from ..selectors.feedback import feedback_report
from .common import _cycle

# --- feedback report (agency) --------------------------------------------------------


@access(is_office | is_agency_staff)
def feedback(request, year, agency_id):
    ctx = feedback_report(request.user, cycle=_cycle(year), agency_id=agency_id)
    return render(request, "reviews/feedback.html", ctx)


@access(is_office | is_agency_staff)
def feedback_export(request, year, agency_id, fmt):
    """The feedback report as ODT (ODF, for public documents) or PDF."""
    if fmt not in ("odt", "pdf"):
        raise Http404
    ctx = feedback_report(request.user, cycle=_cycle(year), agency_id=agency_id)
    data = feedback_bytes(ctx, fmt)
    return file_response(data, f"feedback-{ctx['cycle'].year}-{ctx['agency'].code}.{fmt}")
