"""An agency's results year over year (issue 12 item 3): each chart beside a table
with the same figures, in ROC years."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from serviceeval.accounts.rules import is_agency_staff, is_office
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.core.access import access
from serviceeval.core.charts import Series, bar_chart, grouped_bar_chart, line_chart
from serviceeval.engine.growth import format_growth
from serviceeval.reviews.selectors.history import agency_history as history_of


def _charts(history: dict) -> dict:
    years = history["years"]
    labels = [y["label"] for y in years]
    name = history["agency"].name
    if not years:
        return {}
    maxima = [y["max_total"] for y in years if y["max_total"] is not None]
    charts = {
        "totals": bar_chart(
            chart_id="chart-totals",
            title=_("%(agency)s: total and final grade by year") % {"agency": name},
            labels=labels,
            values=[y["total"] for y in years],
            notes=[y["final_grade"] for y in years],
            y_label=_("Points"),
            y_max=max(maxima) if maxima else None,
        ),
        "dimensions": grouped_bar_chart(
            chart_id="chart-dimensions",
            title=_("%(agency)s: dimension totals by year") % {"agency": name},
            groups=labels,
            series=[
                Series(d["name"], [y["totals"].get(d["key"]) for y in years])
                for d in history["dimensions"]
            ],
            y_label=_("Points"),
        ),
    }
    if history["has_growth"]:
        charts["growth"] = line_chart(
            chart_id="chart-growth",
            title=_("%(agency)s: growth rates by year") % {"agency": name},
            labels=labels,
            series=[
                Series(m["label"], [y["growth"][i]["rate"] for y in years])
                for i, m in enumerate(history["metrics"])
            ],
            y_label="%",
            fmt=format_growth,
        )
    if history["has_field_tests"]:
        charts["field_tests"] = line_chart(
            chart_id="chart-field-tests",
            title=_("%(agency)s: field-test yearly averages by year") % {"agency": name},
            labels=labels,
            series=[
                Series(_("Telephone average"), [y["phone"] for y in years]),
                Series(_("Mystery-shopper average"), [y["mystery"] for y in years]),
            ],
            y_label=_("Points"),
            y_min=0,
            y_max=100,
        )
    return charts


@access(is_office | is_agency_staff)
def agency_history(request, pk):
    """The office: any agency; agency staff: their own and (CITY-6) a first-level
    agency's subordinates; any other agency 404."""
    agency = get_object_or_404(agencies_visible_to(request.user), pk=pk)

    def body():
        # Rendered once per data revision and agency ({% fragment %}): only frozen
        # results, the same for everyone who may see the agency.
        history = history_of(request.user, agency_id=agency.pk)
        return {**history, "charts": _charts(history)}

    return render(
        request, "web/agency_history.html", {"agency": agency, "body": SimpleLazyObject(body)}
    )
