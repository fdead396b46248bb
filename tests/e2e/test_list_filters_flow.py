"""Issue 12 item 4 in a real browser, on the demo data: the agency list, the
submission status, the improvement items and the field-test records are searched
with the labelled box, sorted by a column header (twice: both ways) and filtered;
the URL holds it all (the back button returns to the previous list); axe finds
nothing serious at 1280 and 390 px."""

import pytest

from serviceeval.demo import DEMO_PASSWORD, build

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTS = [
    ("/agencies/", "機關代碼或名稱", "局", "名稱"),
    ("/submissions/status/", "機關代碼或名稱", "CT", "績效報告"),
    ("/reviews/improvements/", "機關代碼或名稱，或評核重點代碼", "HC", "狀態"),
    ("/fieldtests/records/", "機關代碼或名稱", "CT", "評分"),
]


@pytest.mark.parametrize("width", [1280, 390])
def test_lists_search_sort_and_stay_in_the_url(browser, live_server, width):
    build()
    context = browser.new_context(
        base_url=live_server.url, locale="zh-TW", viewport={"width": width, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    sign_in(page, "office", DEMO_PASSWORD)
    for url, label, text, column in LISTS:
        page.goto(url)
        page.get_by_label(label).fill(text)
        page.get_by_role("button", name="篩選").click()
        page.wait_for_url("**q=*")
        assert page.get_by_label(label).input_value() == text
        page.locator("thead a.sort", has_text=column).click()
        page.wait_for_url("**sort=*")
        assert page.locator("th[aria-sort=ascending]").count() == 1
        assert "q=" in page.url
        page.locator("thead a.sort", has_text=column).click()
        page.wait_for_url("**sort=-*")
        assert page.locator("th[aria-sort=descending]").count() == 1
        page.go_back()
        assert page.locator("th[aria-sort=ascending]").count() == 1
        assert axe_serious(page) == [], url
        page.get_by_role("link", name="清除").click()
        assert page.get_by_label(label).input_value() == ""
    context.close()
