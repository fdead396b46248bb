"""core.widgets.FastSelect renders what Django's Select renders (SPEC §5 pages)."""

import re

import pytest
from django import forms

from serviceeval.agencies.models import Agency
from serviceeval.core.widgets import FastSelect
from tests.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def normalise(html: str) -> str:
    html = html.replace("&#x27;", "'").replace("&#39;", "'")
    html = re.sub(r"\s+", " ", html)
    return html.replace("> <", "><").replace(' selected=""', " selected").strip()


def forms_for(widget_class):
    class F(forms.Form):
        agency = forms.ModelChoiceField(
            queryset=Agency.objects.order_by("code"), widget=widget_class, help_text="說明"
        )
        plain = forms.ChoiceField(choices=[("a", "<A & 'B'>"), ("b", "乙")], widget=widget_class)

    return F


@pytest.mark.parametrize("data", [None, "chosen"])
def test_fast_select_renders_the_html_of_djangos_select(data):
    AgencyFactory(name="衛生局 <&>")
    chosen = AgencyFactory(name="稅務局")
    bound = {"agency": str(chosen.pk), "plain": "b"} if data else None
    fast = forms_for(FastSelect)(bound)
    django = forms_for(forms.Select)(bound)
    for name in ("agency", "plain"):
        assert normalise(str(fast[name])) == normalise(str(django[name]))
    html = str(fast["agency"])
    assert "衛生局 &lt;&amp;&gt;" in html and 'aria-describedby="id_agency_helptext"' in html
    assert (f'value="{chosen.pk}" selected' in html) == bool(data)


def test_fast_select_falls_back_for_option_groups():
    widget = FastSelect(choices=[("北區", [("1", "一"), ("2", "二")])])
    assert normalise(widget.render("x", "2")) == normalise(
        forms.Select(choices=[("北區", [("1", "一"), ("2", "二")])]).render("x", "2")
    )


def test_named_model_choice_field_renders_and_cleans_like_a_model_choice_field(
    django_assert_max_num_queries,
):
    from serviceeval.core.widgets import NamedModelChoiceField

    a, b = AgencyFactory(name="甲機關 <&>"), AgencyFactory(name="乙機關")

    class Named(forms.Form):
        agency = NamedModelChoiceField(queryset=Agency.objects.order_by("code"))

    class Plain(forms.Form):
        agency = forms.ModelChoiceField(queryset=Agency.objects.order_by("code"))

    with django_assert_max_num_queries(3):  # values_list queries (no instances), whatever n
        html = str(Named({"agency": str(b.pk)})["agency"])
    assert normalise(html) == normalise(str(Plain({"agency": str(b.pk)})["agency"]))
    form = Named({"agency": str(a.pk)})
    assert form.is_valid() and form.cleaned_data["agency"] == a
    bad = Named({"agency": "999999"})
    assert not bad.is_valid() and "agency" in bad.errors


def test_points_are_never_in_scientific_notation_issue15():
    """Issue 15 item 1: one helper writes points; `Decimal("60").normalize()` is 6E+1."""
    from decimal import Decimal

    from serviceeval.core.numbers import format_points

    assert [format_points(Decimal(v)) for v in ("60", "250", "1E+1", "6.50", "0.125")] == [
        "60",
        "250",
        "10",
        "6.5",
        "0.13",
    ]
    assert format_points(None) == "—"


def test_money_is_whole_dollars_with_thousands_separators_issue15():
    """Issue 15 item 1: NT$ through one helper, never scientific notation."""
    from decimal import Decimal

    from serviceeval.core.numbers import format_money

    assert [
        format_money(v) for v in (Decimal("1250000"), Decimal("999.5"), 0, Decimal("1E+6"))
    ] == [
        "1,250,000",
        "1,000",
        "0",
        "1,000,000",
    ]
    assert format_money(None) == "—"
