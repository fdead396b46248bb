"""A cycle at a glance (issue 12 item 3): the grade distribution by group, as a
chart beside a table with the same figures."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core.access import access
from serviceeval.core.charts import Series, grouped_bar_chart
from serviceeval.core.roc import format_roc_year

from ..selectors import results_for_cycle
from ..selectors.history import grade_distribution
from .common import _results_cycle


@access(is_office | is_reviewer)
def cycle_overview(request, year):
    """Whoever sees every agency's results (the office, the panel's convener and
    deputy) sees how the grades fall in each group; provisional until published."""
    cycle = _results_cycle(request.user, year)
    dist = grade_distribution(cycle, results_for_cycle(cycle))
    chart = None
    if dist["rows"]:
        chart = grouped_bar_chart(
            chart_id="chart-grades",
            title=_("%(year)s: agencies of each final grade by group")
            % {"year": format_roc_year(cycle.year)},
            groups=[r["label"] for r in dist["rows"]],
            series=[
                Series(name, [r["counts"][i] for r in dist["rows"]])
                for i, name in enumerate(dist["grades"])
            ],
            y_label=_("Agencies"),
            whole=True,
        )
    return render(request, "reviews/overview.html", {"cycle": cycle, "dist": dist, "chart": chart})
