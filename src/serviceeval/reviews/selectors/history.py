"""Year over year (issue 12 item 3): an agency's published results by year, and a
cycle's grade distribution by group. Figures only; the pages draw the charts."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.engine.growth import format_growth, growth_rate
from serviceeval.fieldtests.selectors import yearly_figures_of_agency
from serviceeval.submissions.enums import METRICS
from serviceeval.submissions.selectors import report_metrics_of_agency

from ..models import Result
from ..presentation import grade_names, points


def agency_history(user, *, agency_id: int) -> dict:
    """One agency's published cycles, oldest first: grade, final grade, total and
    rank; each dimension's total; the four HSC-8 growth rates of its report; its
    telephone and mystery-shopper yearly averages (CITY-8/9). Only frozen results
    (the cycle's results published). The office sees every agency, agency staff
    their own and, CITY-6, a first-level agency its subordinates'; any other
    agency answers 404. Five queries however many years."""
    agency = get_object_or_404(agencies_visible_to(user), pk=agency_id)
    results = list(
        Result.objects.filter(agency=agency, cycle__results_published_at__isnull=False)
        .select_related("cycle__program")
        .order_by("cycle__year")
    )
    cycles = [r.cycle for r in results]
    metrics = report_metrics_of_agency(agency_id=agency.pk, cycle_ids=[c.pk for c in cycles])
    field = yearly_figures_of_agency(cycles=cycles, agency_id=agency.pk)

    years, dimensions = [], {}
    for r in results:
        spec = r.cycle.program.spec
        names = grade_names(spec)
        category = next((c for c in spec.categories if c.code == r.category), None)
        nodes = (r.detail or {}).get("nodes", {})
        totals = {}
        for node in category.rubric if category else ():
            key = (r.category, node.code)
            dimensions[key] = node.name  # the newest year names it
            if node.code in nodes:
                totals[key] = nodes[node.code]
        figures = metrics.get(r.cycle_id, {})
        growth = []
        for code, _label in METRICS:
            this_year, last_year = figures.get(code, (None, None))
            rate = growth_rate(this_year, last_year)
            growth.append({"code": code, "rate": rate, "text": format_growth(rate)})
        tests = field.get(r.cycle_id, {})
        years.append(
            {
                "cycle": r.cycle,
                "result": r,
                "label": f"{r.cycle.year}年",
                "program": r.cycle.program.name,
                "category": category.name if category else r.category,
                "total": r.total,
                "total_text": points(r.total),
                "max_total": sum((n.max_points for n in category.rubric), 0) if category else None,
                "grade": names.get(r.grade, r.grade),
                "final_grade": names.get(r.final_grade, r.final_grade),
                "re_total_text": points(r.re_total) if r.re_total is not None else "",
                "rank": r.rank,
                "totals": totals,
                "growth": growth,
                "phone": tests.get("phone"),
                "phone_text": points(tests.get("phone")),
                "phone_calls": tests.get("phone_calls", 0),
                "mystery": tests.get("mystery"),
                "mystery_text": points(tests.get("mystery")),
                "mystery_visits": tests.get("mystery_visits", 0),
            }
        )
    dims = [
        {"key": key, "code": key[1], "name": name, "category": key[0]}
        for key, name in sorted(dimensions.items())
    ]
    for y in years:
        y["dimension_cells"] = [
            points(y["totals"][d["key"]]) if d["key"] in y["totals"] else "—" for d in dims
        ]
    return {
        "agency": agency,
        "years": years,
        "dimensions": dims,
        "metrics": [{"code": code, "label": label} for code, label in METRICS],
        "has_growth": any(g["rate"] is not None for y in years for g in y["growth"]),
        "has_field_tests": any(y["phone_calls"] or y["mystery_visits"] for y in years),
    }


def grade_distribution(cycle, rows) -> dict:
    """How many agencies of each final grade (after re-evaluation) in each group of
    the cycle, and in each category when the program has two rubrics; `rows` are
    `results_for_cycle(cycle)` (the frozen snapshot once published)."""
    spec = cycle.program.spec
    grades = [(g.code, g.name) for g in spec.grades]
    categories = {c.code: c.name for c in spec.categories}
    by: dict[tuple, dict] = {}
    for r in rows:
        label = r.group_name or r.group or ""
        if len(categories) > 1:
            label = " · ".join(filter(None, [label, categories.get(r.category, "")]))
        key = (r.group or "", r.category if len(categories) > 1 else "")
        entry = by.setdefault(key, {"label": label or _("No group"), "counts": {}, "none": 0})
        if r.final_grade:
            entry["counts"][r.final_grade] = entry["counts"].get(r.final_grade, 0) + 1
        else:
            entry["none"] += 1
    out = []
    for key in sorted(by):
        entry = by[key]
        counts = [entry["counts"].get(code, 0) for code, _name in grades]
        out.append(
            {
                "label": entry["label"],
                "counts": counts,
                "none": entry["none"],
                "total": sum(counts) + entry["none"],
            }
        )
    return {
        "grades": [name for _code, name in grades],
        "rows": out,
        "totals": [sum(r["counts"][i] for r in out) for i in range(len(grades))],
        "none": sum(r["none"] for r in out),
        "count": sum(r["total"] for r in out),
        "published": cycle.results_published_at is not None,
    }
