"""Issue 12 item 3: the server-drawn SVG charts are valid XML, named and described
for assistive technology, proportional, scale by their viewBox, need nothing from
outside, never print a number in scientific notation, and come out the same twice."""

from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.utils import translation

from serviceeval.core.charts import Series, bar_chart, grouped_bar_chart, line_chart

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def zh_hant():
    with translation.override("zh-hant"):
        yield


def parse(markup):
    return ET.fromstring(str(markup))


def bars(root):
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]


def texts(root):
    return [e.text or "" for e in root.iter(f"{SVG}text")]


def totals():
    return bar_chart(
        chart_id="chart-totals",
        title="衛生局：歷年總分",
        labels=["103年", "104年", "105年"],
        values=[Decimal("400"), Decimal("800"), None],
        notes=["乙等", "甲等", ""],
        y_max=1000,
    )


def test_bar_chart_is_named_described_and_proportional():
    root = parse(totals())
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-totals-title chart-totals-desc"
    assert root.get("viewBox").startswith("0 0 ")
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.get("id") == "chart-totals-title" and title.text == "衛生局：歷年總分"
    assert desc.get("id") == "chart-totals-desc"
    # The text alternative holds every figure, the missing one as "—".
    assert desc.text == "103年：400 乙等；104年：800 甲等；105年：—"
    first, second = bars(root)  # no bar for the missing year
    assert float(second.get("height")) == pytest.approx(2 * float(first.get("height")), abs=0.2)
    # Both stand on the same baseline.
    assert float(first.get("y")) + float(first.get("height")) == pytest.approx(
        float(second.get("y")) + float(second.get("height")), abs=0.2
    )
    assert {"400", "800", "乙等", "甲等", "103年", "105年"} <= set(texts(root))


def test_output_is_deterministic_and_self_contained():
    assert str(totals()) == str(totals())
    markup = str(totals())
    assert "<script" not in markup and "href" not in markup.replace("url(#", "")
    assert "http://" not in markup.replace('xmlns="http://www.w3.org/2000/svg"', "")
    # A white ground, so it prints on paper as on screen.
    assert '<rect x="0" y="0" width="480"' in markup and 'fill="#ffffff"' in markup


def test_text_is_escaped():
    root = parse(
        bar_chart(
            chart_id="chart-x",
            title='<script>alert("x")</script> & co',
            labels=["<b>"],
            values=[Decimal("1")],
        )
    )
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    assert not list(root.iter(f"{SVG}script")) and not list(root.iter("b"))


def test_a_bad_chart_id_is_refused():
    with pytest.raises(ValueError):
        bar_chart(chart_id='x" onload="1', title="t", labels=["a"], values=[1])


def test_no_scientific_notation():
    """`Decimal("60").normalize()` prints 6E+1; the charts use format_points."""
    markup = str(
        bar_chart(
            chart_id="chart-e",
            title="t",
            labels=["a", "b"],
            values=[Decimal("60").normalize(), Decimal("1E+3")],
        )
    )
    assert "E+" not in markup and "e+" not in markup
    assert ">60<" in markup and ">1000<" in markup


def test_grouped_bars_have_a_pattern_and_a_legend_per_series():
    markup = grouped_bar_chart(
        chart_id="chart-grades",
        title="等第分布",
        groups=["第1組", "第2組"],
        series=[Series("甲等", [3, 1]), Series("乙等", [2, 4]), Series("丙等", [0, 1])],
        whole=True,
    )
    root = parse(markup)
    patterns = list(root.iter(f"{SVG}pattern"))
    assert len(patterns) == 3
    # Each pattern but the first carries a mark (stripes, dots): not colour alone.
    assert all(len(list(p)) >= 2 for p in patterns[1:])
    fills = {b.get("fill") for b in bars(root)}
    assert fills == {f"url(#chart-grades-p{i})" for i in range(3)}
    assert {"甲等", "乙等", "丙等"} <= set(texts(root))
    heights = {b.get("height") for b in bars(root)}
    assert "0" in heights  # a zero count is a bar of no height, labelled 0
    desc = root.find(f"{SVG}desc").text
    assert desc == "第1組：甲等：3，乙等：2，丙等：0；第2組：甲等：1，乙等：4，丙等：1"
    # Counts: whole steps on the axis.
    ticks = [t for t in texts(root) if t.replace(".", "").isdigit()]
    assert "0.5" not in ticks and "1.5" not in ticks


def test_line_chart_breaks_at_a_missing_figure_and_takes_negative_values():
    root = parse(
        line_chart(
            chart_id="chart-growth",
            title="成長率",
            labels=["103年", "104年", "105年"],
            series=[
                Series("服務滿意度", [Decimal("3.16"), Decimal("-2.5"), Decimal("4.12")]),
                Series("線上服務件數", [Decimal("24.21"), None, Decimal("13.56")]),
            ],
        )
    )
    paths = [e for e in root.iter(f"{SVG}path") if e.get("class") == "line"]
    assert len(paths) == 2
    assert paths[0].get("d").count("L") == 2
    assert paths[1].get("d").count("M") == 2 and "L" not in paths[1].get("d")
    # Different dashes and markers tell the lines apart without colour.
    assert paths[0].get("stroke-dasharray") is None and paths[1].get("stroke-dasharray")
    assert any(t.startswith("-") for t in texts(root))  # the axis reaches below zero
    assert "104年：—" in root.find(f"{SVG}desc").text


def test_single_line_shows_its_values_and_months_in_english():
    with translation.override("en"):
        root = parse(
            line_chart(
                chart_id="chart-trend",
                title="Trend",
                labels=["Month 5", "Month 6"],
                series=[Series("Telephone average", [Decimal("91.79"), Decimal("86.99")])],
                y_min=0,
                y_max=100,
            )
        )
    assert {"91.79", "86.99", "100", "0"} <= set(texts(root))
    assert root.find(f"{SVG}desc").text == "Telephone average: Month 5: 91.79, Month 6: 86.99"
