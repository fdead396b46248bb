"""Field-test pages: for testers (record, own records) and the office (averages,
trends, common faults). Agencies, reviewers and the public have none."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from serviceeval.accounts.rules import is_office, is_tester
from serviceeval.agencies.models import Agency
from serviceeval.core.access import access
from serviceeval.core.charts import Series, line_chart
from serviceeval.core.confirm import confirmation, needs_confirmation
from serviceeval.core.listing import ListSpec
from serviceeval.core.memo import memo, revision
from serviceeval.core.roc import format_roc_date, format_roc_year
from serviceeval.core.uploads import serve_upload
from serviceeval.cycles.selectors import cycle_or_404, cycles_newest_first
from serviceeval.engine.fieldtests import display, published

from . import rules, selectors, services
from .forms import MysteryVisitForm, PhoneTestForm
from .models import PhoneTest

PAGE_SIZE = 100


def _cycles():
    return list(cycles_newest_first())


def _pick(cycles, year):
    return next((c for c in cycles if str(c.year) == str(year)), cycles[0] if cycles else None)


def _named_parts(cycle, call):
    """Each part's score under the program's name for it (總機, 業務單位), not its code."""
    names = {p.code: p.name for p in cycle.program.spec.phone_parts}
    return [(names.get(code, code), score) for code, score in call.part_scores.items()]


def _fmt_rows(rows):
    for r in rows:
        for key in ("phone", "mystery"):
            r[f"{key}_text"] = display(r.get(key))
    return rows


def _trend_chart(cycle, trend, chart_id, agency=None):
    """The monthly trend as a line chart beside its table (issue 12 item 3)."""
    if not trend:
        return None
    where = agency.name if agency is not None else _("All agencies")
    return line_chart(
        chart_id=chart_id,
        title=_("%(year)s %(where)s: field-test averages by month")
        % {"year": format_roc_year(cycle.year), "where": where},
        labels=[_("Month %(month)s") % {"month": t["month"]} for t in trend],
        series=[
            Series(_("Telephone average"), [published(t["phone"]) for t in trend]),
            Series(_("Mystery-shopper average"), [published(t["mystery"]) for t in trend]),
        ],
        y_label=_("Points"),
        y_min=0,
        y_max=100,
        fmt=display,  # as the table beside it writes them
    )


def _analysis(cycle) -> dict:
    """The office's figures over every call and visit of the cycle (24,000 + 8,000 at
    national scale: about 0.5 s), computed once per data revision (core.memo)."""

    def compute():
        return {
            "rows": _fmt_rows(selectors.overview(cycle)),
            "trend": _fmt_rows(selectors.monthly_trend(cycle)),
            "phone_faults": selectors.faults(cycle, "phone")[:10],
            "mystery_faults": selectors.faults(cycle, "mystery")[:10],
        }

    return memo(("fieldtests-analysis", cycle.pk, cycle.created), revision(), compute)


@access(is_office | is_tester)
def index(request):
    cycles = _cycles()
    cycle = _pick(cycles, request.GET.get("cycle", ""))
    ctx = {"cycles": cycles, "cycle": cycle}
    if cycle is not None:
        spec = cycle.program.spec
        ctx["has_phone"] = bool(spec.phone_parts)
        ctx["has_mystery"] = bool(spec.mystery_sections)
        is_office = rules.sees_every_record(request.user)
        # Who sees which records: the office all, a tester their own (the fragment key).
        ctx["scope"] = "office" if is_office else f"user:{request.user.pk}"
        if is_office:
            # Ranks need every agency; the page shows them 100 at a time.
            analysis = _analysis(cycle)
            page = Paginator(analysis["rows"], PAGE_SIZE).get_page(request.GET.get("page"))
            ctx["page"] = page
            ctx["rows"] = page.object_list
            ctx["trend"] = analysis["trend"]
            ctx["trend_chart"] = _trend_chart(cycle, analysis["trend"], "chart-trend")
            ctx["phone_faults"] = analysis["phone_faults"]
            ctx["mystery_faults"] = analysis["mystery_faults"]

        def recent():
            # Rendered once per revision ({% fragment %}): no query when found.
            calls = selectors.phone_tests_visible_to(request.user).filter(cycle=cycle)[:20]
            visits = selectors.visits_visible_to(request.user).filter(cycle=cycle)[:20]
            return {
                "calls": [(c, display(services.phone_score(cycle, c.part_scores))) for c in calls],
                "visits": list(visits),
            }

        ctx["recent"] = SimpleLazyObject(recent)
    return render(request, "fieldtests/index.html", ctx)


# Issue 12 item 4: the calls and visits, searched, filtered, sorted and paged in the URL.
RECORD_LIST = ListSpec(
    filters=("cycle", "kind"),
    sorts={"date": (), "agency": (), "score": ()},  # ordered in the selector
    default_sort="-date",
)


@access(is_office | is_tester)
def records(request):
    """Every call and visit the user sees (the office all, a tester their own)."""
    cycles = _cycles()
    cycle = _pick(cycles, request.GET.get("cycle", ""))
    listing = RECORD_LIST.read(request.GET)
    ctx = {"cycles": cycles, "cycle": cycle, "listing": listing}
    if cycle is not None:
        spec = cycle.program.spec
        page = Paginator(selectors.record_rows(request.user, cycle, listing), PAGE_SIZE).get_page(
            listing.page
        )
        ctx.update(
            {
                "both_kinds": bool(spec.phone_parts) and bool(spec.mystery_sections),
                "page": page,
                "page_query": f"{listing.query_without_page}&"
                if listing.query_without_page
                else "",
                "rows": [
                    {
                        "record": r,
                        "phone": isinstance(r, PhoneTest),
                        "score": display(services.phone_score(cycle, r.part_scores))
                        if isinstance(r, PhoneTest)
                        else r.score,
                    }
                    for r in selectors.records_of(page.object_list)
                ],
                "mine": not rules.sees_every_record(request.user),
            }
        )
    return render(request, "fieldtests/records.html", ctx)


@access(is_office)
def agency(request, year, agency_id):
    cycle = cycle_or_404(year)

    target = get_object_or_404(Agency, pk=agency_id)
    figures = selectors.field_test_figures(cycle=cycle, agency_ids=[target.pk])[target.pk]
    calls = selectors.phone_tests_visible_to(request.user).filter(cycle=cycle, agency=target)
    trend = _fmt_rows(selectors.monthly_trend(cycle, target.pk))
    return render(
        request,
        "fieldtests/agency.html",
        {
            "cycle": cycle,
            "agency": target,
            "phone": display(figures["phone"]),
            "mystery": display(figures["mystery"]),
            "figures": figures,
            "calls": [
                (c, display(services.phone_score(cycle, c.part_scores)), _named_parts(cycle, c))
                for c in calls
            ],
            "visits": selectors.visits_visible_to(request.user).filter(cycle=cycle, agency=target),
            "trend": trend,
            "trend_chart": _trend_chart(cycle, trend, "chart-trend", target),
            "phone_faults": selectors.faults(cycle, "phone", target.pk)[:10],
        },
    )


def _cycle_for_recording(year, what):
    cycle = cycle_or_404(year)
    spec = cycle.program.spec
    if not (spec.phone_parts if what == "phone" else spec.mystery_sections):
        raise Http404  # the program has no such checklist
    return cycle


def _initial_moment(cycle):
    """Now, when now lies in the cycle's year (a call must be dated in that year)."""
    now = timezone.localtime().replace(second=0, microsecond=0)
    if now.year != cycle.gregorian_year:
        return {}
    return {"called_at": now, "visited_at": now}


@access(is_office | is_tester)
def phone_new(request, year):
    cycle = _cycle_for_recording(year, "phone")
    agencies = selectors.agencies_testable_by(request.user, cycle)
    parts = cycle.program.spec.phone_parts
    initial = _initial_moment(cycle)
    form = PhoneTestForm(request.POST or None, agencies=agencies, parts=parts, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.phone_test_record(
                cycle=cycle,
                agency=d["agency"],
                tester=request.user,
                called_at=d["called_at"],
                tested_parts=form.tested_parts(),
                items=form.items_met(),
                unit=d["unit"],
                number=d["number"],
                rings=d["rings"],
                answer_seconds=d["answer_seconds"],
                tested_staff=d["tested_staff"],
                notes=d["notes"],
            )
        except services.FieldTestError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The telephone test was recorded."))
            return redirect(f"/fieldtests/?cycle={cycle.year}")
    # Unbound, the fields are a fragment ({% fragment %}): the agencies the tester may
    # test (all but their own agency), the checklist of the cycle's program, and the
    # preset moment of the call (this minute).
    return render(
        request,
        "fieldtests/phone_form.html",
        {"cycle": cycle, "form": form, "called_at": initial.get("called_at")},
    )


@access(is_office | is_tester)
def visit_new(request, year):
    cycle = _cycle_for_recording(year, "mystery")
    agencies = selectors.agencies_testable_by(request.user, cycle)
    form = MysteryVisitForm(
        request.POST or None,
        request.FILES or None,
        agencies=agencies,
        parts=cycle.program.spec.mystery_sections,
        initial=_initial_moment(cycle),
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.mystery_visit_record(
                cycle=cycle,
                agency=d["agency"],
                tester=request.user,
                visited_at=d["visited_at"],
                items=form.items_met(),
                counter=d["counter"],
                scenario=d["scenario"],
                tested_staff=d["tested_staff"],
                notes=d["notes"],
                photos=d["photos"],
            )
        except services.FieldTestError as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error("photos", exc)
        else:
            messages.success(request, _("The visit was recorded."))
            return redirect(f"/fieldtests/?cycle={cycle.year}")
    return render(request, "fieldtests/visit_form.html", {"cycle": cycle, "form": form})


@access(is_office | is_tester)
def visit_detail(request, pk):
    visit = get_object_or_404(
        selectors.visits_visible_to(request.user).prefetch_related("photos"), pk=pk
    )
    sections = visit.cycle.program.spec.mystery_sections
    rows = [
        {"section": s, "items": [(i, visit.items.get(i.code)) for i in s.items]} for s in sections
    ]
    return render(request, "fieldtests/visit_detail.html", {"visit": visit, "rows": rows})


@access(is_office | is_tester)
def photo(request, pk):
    item = get_object_or_404(selectors.photos_visible_to(request.user), pk=pk)
    return serve_upload(item.file, item.original_name)


def _delete(request, record, back):
    reason = request.POST.get("reason", "")
    if reason.strip() and needs_confirmation(request):
        return _confirm_delete(request, record, back, reason.strip())
    try:
        services.record_delete(
            record=record, actor=request.user, reason=request.POST.get("reason", "")
        )
    except services.FieldTestError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    messages.success(request, _("The record was deleted."))
    return redirect(f"/fieldtests/{record.cycle.year}/agency/{record.agency_id}/")


def _confirm_delete(request, record, back, reason):
    """Issue 13 item 4: a deleted call or visit cannot be restored."""
    phone = isinstance(record, PhoneTest)
    names = {
        "agency": record.agency.name,
        "when": format_roc_date(record.called_at if phone else record.visited_at, with_time=True),
        "score": display(services.phone_score(record.cycle, record.part_scores))
        if phone
        else record.score,
        "tester": str(record.tester) if record.tester_id else "—",
    }
    if phone:
        title = _("Delete the telephone test of %(agency)s on %(when)s?") % names
        what = (
            _(
                "The telephone test of %(agency)s on %(when)s (score %(score)s, tester %(tester)s) is deleted."
            )
            % names
        )
    else:
        names["photos"] = len(record.photos.all())
        title = _("Delete the mystery-shopper visit to %(agency)s on %(when)s?") % names
        what = (
            _(
                "The mystery-shopper visit to %(agency)s on %(when)s (score %(score)s, tester %(tester)s) is deleted, with its %(photos)d photo(s)."
            )
            % names
        )
    return confirmation(
        request,
        title=title,
        consequences=[
            what,
            _(
                "The field-test average of %(agency)s and the reward roster are computed again without it."
            )
            % names,
            _(
                "The deletion is logged with your reason: “%(reason)s”; the record cannot be restored."
            )
            % {"reason": reason},
        ],
        action_label=_("Delete the record"),
        cancel_url=back,
        destructive=True,
    )


@access(is_office)
@require_POST
def phone_delete(request, pk):
    test = get_object_or_404(selectors.phone_tests_visible_to(request.user), pk=pk)
    return _delete(request, test, f"/fieldtests/{test.cycle.year}/agency/{test.agency_id}/")


@access(is_office)
@require_POST
def visit_delete(request, pk):
    visit = get_object_or_404(selectors.visits_visible_to(request.user), pk=pk)
    return _delete(request, visit, f"/fieldtests/visit/{visit.pk}/")
