"""Issue 13 item 3 in a real browser: one bad score is refused with an error
summary that takes focus; the reviewer follows its link and corrects the score by
keyboard alone; the running total follows what is typed."""

from decimal import Decimal

import pytest

from serviceeval.reviews.models import Sheet
from tests.factories import TEST_PASSWORD
from tests.reviews.helpers import leaves, setup_cycle

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reviewer_fixes_a_bad_score_from_the_error_summary_by_keyboard(page):
    cycle, (a,), (reviewer,), _office = setup_cycle(1, 1)
    sign_in(page, reviewer.username, TEST_PASSWORD)
    page.goto(f"/reviews/cycles/{cycle.year}/agencies/{a.pk}/sheet/first/")
    criteria = leaves(cycle)
    for leaf in criteria:
        page.get_by_label(f"評分 {leaf.code}", exact=True).fill(str(leaf.max_points / 2))
    half = sum(leaf.max_points / 2 for leaf in criteria)
    assert Decimal(page.locator("#total_all").inner_text()) == half
    first = criteria[0]
    page.get_by_label(f"評分 {first.code}", exact=True).fill(str(first.max_points + 15))
    assert Decimal(page.locator("#total_all").inner_text()) == half - first.max_points / 2
    page.get_by_role("button", name="儲存草稿").click()

    summary = page.locator(".error-summary")
    assert summary.evaluate("el => el === document.activeElement")
    assert f"{first.code} {first.name}" in summary.inner_text()
    assert axe_serious(page) == []
    page.keyboard.press("Tab")  # to the summary's one link
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == f"score_{first.code}"
    page.keyboard.press("Control+A")
    page.keyboard.type(str(first.max_points / 2))
    assert Decimal(page.locator("#total_all").inner_text()) == half
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the form with its first button: save draft
    assert "草稿已儲存" in page.locator(".messages").inner_text()
    sheet = Sheet.objects.get(reviewer=reviewer, agency=a)
    assert sheet.scores.get(criterion=first.code).score == first.max_points / 2
    assert sheet.scores.count() == len(criteria)


def test_the_draft_saves_itself_and_a_second_tab_does_not_overwrite_it(browser, live_server):
    """Issue 13 item 3: htmx autosave with "saved at"; a tab that is behind is told
    and stores nothing."""
    cycle, (a,), (reviewer,), _office = setup_cycle(1, 1)
    ctx = browser.new_context(base_url=live_server.url, locale="zh-TW")
    first, second = ctx.new_page(), ctx.new_page()
    sign_in(first, reviewer.username, TEST_PASSWORD)
    url = f"/reviews/cycles/{cycle.year}/agencies/{a.pk}/sheet/first/"
    first.goto(url)
    second.goto(url)
    code = leaves(cycle)[0].code
    first.get_by_label(f"評分 {code}", exact=True).fill("30")
    first.get_by_label(f"評分 {code}", exact=True).press("Tab")  # change
    first.get_by_text("草稿已於").wait_for()
    assert "草稿已於" in first.locator("#autosave-status").inner_text()
    sheet = Sheet.objects.get(reviewer=reviewer, agency=a)
    assert sheet.scores.get(criterion=code).score == 30
    second.get_by_label(f"評分 {code}", exact=True).fill("10")
    second.get_by_label(f"評分 {code}", exact=True).press("Tab")
    second.get_by_text("另一視窗").wait_for()
    assert Sheet.objects.get(pk=sheet.pk).scores.get(criterion=code).score == 30
    # The first tab keeps going: its version followed the autosave.
    first.get_by_label(f"評分 {code}", exact=True).fill("40")
    with first.expect_navigation():
        first.get_by_role("button", name="儲存草稿").click()
    assert "草稿已儲存" in first.locator(".messages").inner_text()
    assert Sheet.objects.get(pk=sheet.pk).scores.get(criterion=code).score == 40
    ctx.close()
