"""Published results for everyone (issue 12): no sign-in, the frozen snapshot only."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from serviceeval.core.access import PUBLIC, access
from serviceeval.cycles.models import Cycle
from serviceeval.exports.documents import meta_for_cycle
from serviceeval.exports.http import file_response
from serviceeval.exports.writers import Sheet, sheets_to_pdf, write_ods
from serviceeval.reviews.selectors import public_results, published_cycles, results_due
from serviceeval.rewards.selectors import public_commendations

HEADER = ("組別", "類別", "機關代碼", "機關", "等第", "複評後等第", "組內名次")
COMMENDATION_HEADER = ("序號", "機關", "依據", "事由")


def _cycle(year) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("program"), year=year)


@access(PUBLIC)
def index(request):
    return render(request, "web/public_results_index.html", {"cycles": published_cycles()})


@access(PUBLIC)
def results(request, year):
    cycle = _cycle(year)
    published = cycle.results_published_at is not None
    ctx = {
        "cycle": cycle,
        "published": published,
        "due": None if published else results_due(cycle),
        "rows": public_results(cycle),
        "commendations": list(public_commendations(cycle)) if published else [],
    }
    return render(request, "web/public_results.html", ctx)


def _sheets(cycle) -> list[Sheet]:
    rows = [
        (
            r["group"],
            r["category"],
            r["code"],
            r["agency"],
            r["grade"],
            r["final_grade"],
            r["rank"] if r["rank"] is not None else "",
        )
        for r in public_results(cycle)
    ]
    public = [
        (i, c.agency.name, c.rule, c.reason)
        for i, c in enumerate(public_commendations(cycle), start=1)
    ]
    return [
        Sheet(f"考核結果 {cycle.year}", HEADER, rows),
        Sheet("市政會議公開表揚", COMMENDATION_HEADER, public),
    ]


@access(PUBLIC)
def export(request, year, fmt):
    cycle = _cycle(year)
    if fmt not in ("ods", "pdf") or cycle.results_published_at is None:
        raise Http404
    sheets = _sheets(cycle)
    title = f"民國{cycle.year}年度 {cycle.program.name} 考核結果"
    # Published only (above): never a draft; issued on the publication date.
    meta = meta_for_cycle(cycle, title, landscape=True)
    data = write_ods(sheets, meta) if fmt == "ods" else sheets_to_pdf(title, sheets, meta)
    return file_response(data, f"考核結果-{cycle.year}.{fmt}")
