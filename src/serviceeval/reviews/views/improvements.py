"""Improvement items (HSC-12) and their evidence."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.agencies.selectors import groups_all
from serviceeval.core.access import access
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.listing import ListSpec
from serviceeval.core.uploads import serve_upload
from serviceeval.cycles.selectors import cycle_or_404, cycles_newest_first
from serviceeval.exports.http import file_response

from .. import rules, selectors, services
from ..exporters import improvement_letter_bytes
from ..forms import (
    DecideForm,
    ImprovementForm,
    RespondForm,
)
from ..models import (
    ImprovementEvidence,
    ImprovementStatus,
)
from ..selectors import (
    improvements_visible_to,
)
from ..selectors.improvements import improvement_letters, improvement_list

# --- improvement items (HSC-12) ---------------------------------------------------------

IMPROVEMENT_PAGE_SIZE = 100
# Issue 12 item 4: search, filters, sort by any column and paging, in the URL.
IMPROVEMENT_LIST = ListSpec(
    filters=("status", "group"),
    sorts={
        "agency": ("agency__name", "deadline", "id"),
        "code": ("criterion", "deadline", "id"),
        "deadline": ("deadline", "id"),
        "status": ("status", "deadline", "id"),
    },
    default_sort="deadline",
)


@access(is_office | is_agency_staff)
def improvements(request):
    user = request.user
    listing = IMPROVEMENT_LIST.read(request.GET)
    cycle = cycles_newest_first().first()
    form = None
    status = 200
    if is_office(user):
        year = request.POST.get("cycle") or request.GET.get("cycle")
        if year:
            if not year.isdigit() or len(year) > 4:
                raise Http404
            cycle = cycle_or_404(int(year))
        form = ImprovementForm(cycle=cycle, initial={"agency": request.GET.get("agency")})
        if request.method == "POST":
            form = ImprovementForm(request.POST, cycle=cycle)
            if form.is_valid():
                try:
                    services.improvement_create(cycle=cycle, actor=user, **form.cleaned_data)
                except services.ReviewError as exc:
                    messages.error(request, str(exc))
                else:
                    messages.success(request, _("Improvement item sent to the agency."))
                    return redirect("reviews:improvements")
            status = 400
    elif request.method == "POST":
        raise Http404
    today = timezone.localdate()
    page = Paginator(improvement_list(user, listing), IMPROVEMENT_PAGE_SIZE).get_page(listing.page)
    items = list(page.object_list)
    for item in items:
        item.overdue = item.is_overdue(today)
    published = []
    letters = []
    if not is_office(user):
        published = selectors.published_results_visible_to(user)
    else:
        # HSC-12: one letter (函) per agency and cycle that has items.
        letters = improvement_letters(user)
    return render(
        request,
        "reviews/improvements.html",
        {
            "items": items,
            "page": page,
            "listing": listing,
            "page_query": f"{listing.query_without_page}&" if listing.query_without_page else "",
            "statuses": ImprovementStatus.choices,
            "groups": groups_all(),
            "form": form,
            "cycle": cycle,
            "published": published,
            "letters": letters,
            "cycles": cycles_newest_first() if is_office(user) else [],
        },
        status=status,
    )


@access(is_office | is_agency_staff)
def improvement(request, pk):
    item = get_object_or_404(improvements_visible_to(request.user), pk=pk)
    user = request.user
    # A parent agency sees its subordinates' items (CITY-6) but does not answer them.
    can_answer = rules.can_answer_improvement(user, item)
    respond_form = RespondForm() if can_answer else None
    decide_form = DecideForm() if is_office(user) else None
    status = 200
    if request.method == "POST":
        if not is_office(user) and not can_answer:
            raise PermissionDenied
        try:
            if is_office(user):
                decide_form = DecideForm(request.POST)
                if decide_form.is_valid():
                    close = decide_form.cleaned_data["decision"] == "close"
                    if close and needs_confirmation(request):
                        return _confirm_close(request, item, decide_form.cleaned_data["note"])
                    services.improvement_decide(
                        item=item,
                        close=close,
                        note=decide_form.cleaned_data["note"],
                        actor=user,
                    )
                    messages.success(request, _("Decision recorded."))
                    return redirect("reviews:improvement", pk=item.pk)
            else:
                respond_form = RespondForm(request.POST, request.FILES)
                if respond_form.is_valid():
                    services.improvement_respond(
                        item=item,
                        response=respond_form.cleaned_data["response"],
                        files=respond_form.cleaned_data["files"],
                        actor=user,
                    )
                    messages.success(request, _("Your answer is sent to the program office."))
                    return redirect("reviews:improvement", pk=item.pk)
        except services.ReviewError as exc:
            messages.error(request, str(exc))
        status = 400
    item.overdue = item.is_overdue(timezone.localdate())
    return render(
        request,
        "reviews/improvement.html",
        {
            "item": item,
            "evidence": item.evidence.all(),
            "respond_form": respond_form,
            "decide_form": decide_form,
        },
        status=status,
    )


def _confirm_close(request, item, note):
    """Issue 13 item 4: a closed item cannot be reopened."""
    names = {"agency": item.agency.name, "text": Truncator(item.text).chars(80)}
    lines = [
        _("The item “%(text)s” is closed: %(agency)s can no longer answer it.") % names,
        _("A closed item cannot be reopened."),
    ]
    if note.strip():
        lines.append(_("%(agency)s sees your note: “%(note)s”.") % {**names, "note": note.strip()})
    return confirmation(
        request,
        title=_("Close the improvement item of %(agency)s?") % names,
        consequences=lines,
        action_label=_("Close the item"),
        cancel_url=reverse("reviews:improvement", args=[item.pk]),
    )


@access(is_office)
def improvement_letter(request, year, agency_id, fmt):
    """HSC-12: the letter (函) sending one agency its improvement items, PDF or ODT."""
    if fmt not in ("pdf", "odt"):
        raise Http404
    items = selectors.improvement_letter_items(request.user, year=year, agency_id=agency_id)
    cycle, agency = items[0].cycle, items[0].agency
    data = improvement_letter_bytes(cycle, agency, items, fmt, today=timezone.localdate())
    return file_response(data, f"improvement-letter-{cycle.year}-{agency.code}.{fmt}")


@access(is_office | is_agency_staff)
def improvement_evidence(request, pk, evidence_id):
    item = get_object_or_404(improvements_visible_to(request.user), pk=pk)
    evidence = get_object_or_404(ImprovementEvidence, pk=evidence_id, improvement=item)
    return serve_upload(evidence.file, evidence.name)
