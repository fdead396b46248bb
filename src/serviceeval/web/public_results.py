"""Published results for everyone (issue 12): no sign-in, the frozen snapshot only."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from serviceeval.core.access import PUBLIC, access
from serviceeval.core.listing import ListSpec
from serviceeval.cycles.models import Cycle
from serviceeval.exports.documents import meta_for_cycle
from serviceeval.exports.http import file_response
from serviceeval.exports.writers import Sheet, sheets_to_pdf, write_ods
from serviceeval.reviews.selectors import (
    public_result_rows,
    public_results,
    public_results_query,
    published_cycles,
    results_due,
)
from serviceeval.rewards.selectors import public_commendations

HEADER = ("組別", "類別", "機關代碼", "機關", "等第", "複評後等第", "組內名次")
COMMENDATION_HEADER = ("序號", "機關", "依據", "事由")


# 2,000 agencies nationally: the page shows a page of them and searches by agency;
# the downloads hold every row.
PAGE_SIZE = 100
LIST = ListSpec()


def _cycle(year) -> Cycle:
    return get_object_or_404(Cycle.objects.select_related("program"), year=year)


@access(PUBLIC)
def index(request):
    return render(request, "web/public_results_index.html", {"cycles": published_cycles()})


@access(PUBLIC)
def results(request, year):
    cycle = _cycle(year)
    published = cycle.results_published_at is not None
    listing = LIST.read(request.GET)

    def body():
        # Rendered once per data revision, cycle and query ({% fragment %}): the
        # published snapshot is the same for every visitor.
        page = Paginator(public_results_query(cycle, listing.q), PAGE_SIZE).get_page(listing.page)
        return {
            "rows": public_result_rows(cycle, page.object_list),
            "page": page,
            "commendations": list(public_commendations(cycle)),
        }

    ctx = {
        "cycle": cycle,
        "published": published,
        "due": None if published else results_due(cycle),
        "listing": listing,
        "page_query": f"{listing.query_without_page}&" if listing.query_without_page else "",
        "body": SimpleLazyObject(body),
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
