"""Issue 12 item 3 in a real browser, on the demo data: the history page of an agency
with two earlier cycles shows both in its charts and tables, axe finds nothing
serious (charts included), it fits a 390 px phone and prints; a first-level agency
opens its subordinate's history (CITY-6), not another agency's (404); the office's
grade distribution and monthly field-test trend draw their charts too."""

import pytest

from serviceeval.demo import DEMO_PASSWORD, build

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SVG_CHARTS = "main svg.chart[role=img]"


def _check_charts(page, years):
    charts = page.locator(SVG_CHARTS)
    assert charts.count() >= 1
    for i in range(charts.count()):
        chart = charts.nth(i)
        # Named and described (aria-labelledby → title and desc) and drawn at a size.
        name = chart.evaluate(
            "svg => svg.getAttribute('aria-labelledby').split(' ')"
            ".map(id => document.getElementById(id).textContent).join(' ')"
        )
        for year in years:
            assert f"{year}年" in name, (year, name)
        box = chart.bounding_box()
        assert box["width"] > 200 and box["height"] > 100


def test_history_page_shows_both_earlier_cycles(browser, live_server):
    ctx = build()
    health = ctx["agencies"]["HC-101"]
    for width in (1280, 390):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-TW", viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, "officer", DEMO_PASSWORD)
        # From the dashboard's results card to the agency's results by year.
        page.get_by_role("link", name=f"歷年考核結果 {health.name}").first.click()
        page.wait_for_url(f"**/agencies/{health.pk}/history/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("衛生局")
        rows = page.locator("#history-totals tbody tr")
        assert rows.count() == 2
        assert "民國103年" in rows.nth(0).inner_text() and "民國104年" in rows.nth(1).inner_text()
        assert "乙等" in rows.nth(0).inner_text() and "甲等" in rows.nth(1).inner_text()
        assert page.locator("#history-dimensions tbody tr").count() == 2
        assert page.locator("#history-growth tbody tr").count() == 2
        assert page.locator("#history-field-tests tbody tr").count() == 2
        assert page.locator(SVG_CHARTS).count() == 4
        _check_charts(page, [103, 104])
        assert axe_serious(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        if width == 1280:
            page.emulate_media(media="print")
            assert page.locator(SVG_CHARTS).first.is_visible()
            page.pdf()  # prints without error (Chromium headless)
            page.emulate_media(media="screen")
        context.close()


def test_parent_sees_subordinate_history_not_another_agencys(page):
    ctx = build()
    agencies = ctx["agencies"]
    sign_in(page, "officer", DEMO_PASSWORD)  # 衛生局: 東區衛生所 is its subordinate
    page.goto(f"/agencies/{agencies['HC-303'].pk}/history/")
    assert page.locator("#history-totals tbody tr").count() == 2
    assert axe_serious(page) == []
    response = page.goto(f"/agencies/{agencies['HC-102'].pk}/history/")
    assert response.status == 404


def test_office_grade_distribution_and_monthly_trend(page):
    build()
    sign_in(page, "office", DEMO_PASSWORD)
    page.goto("/reviews/cycles/104/results/")
    page.get_by_role("link", name="等第分布").click()
    page.wait_for_url("**/reviews/cycles/104/overview/")
    assert page.locator("#grade-distribution tbody tr").count() == 3
    _check_charts(page, [104])
    assert axe_serious(page) == []
    page.goto("/fieldtests/?cycle=104")
    assert page.locator("#chart-trend").is_visible()
    _check_charts(page, [104])
    assert axe_serious(page) == []
