"""Issue 4 in a real browser: a reviewer scores, saves and submits; the convener
sees the calibration flag; the office publishes; the agency reads its feedback
report and answers an improvement item (HSC-3, HSC-9, HSC-12)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import Improvement, Sheet
from tests.factories import TEST_PASSWORD, user_for
from tests.reviews.helpers import leaves, score_all, setup_cycle

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_review_flow_from_sheet_to_feedback(page):
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    # The member's sheet for A and both sheets for B come in by import; the
    # convener will score A far lower on 3.1.1 than the member did.
    score_all(cycle, [(a, member, "0.8"), (b, convener, "0.8"), (b, member, "0.8")])
    officer = user_for(Role.AGENCY_OFFICER, agency=a)

    sign_in(page, convener.username, TEST_PASSWORD)
    page.goto("/reviews/")
    page.get_by_role("link", name=f"開始評分 {a.name}").click()
    assert page.get_by_role("heading", level=1).inner_text() == f"評分表: {a.name}"
    assert axe_serious(page) == []
    for leaf in leaves(cycle):
        share = Decimal("0.5") if leaf.code == "3.1.1" else Decimal("0.85")
        page.get_by_label(f"評分 {leaf.code}", exact=True).fill(
            str((leaf.max_points * share * 2).to_integral_value() / 2)
        )
    page.get_by_label("意見 3.1.1", exact=True).fill("創新服務成效卓著")
    page.get_by_role("button", name="儲存草稿").click()
    assert page.get_by_text("草稿已儲存").is_visible()
    page.get_by_role("button", name="送出", exact=True).click()
    page.get_by_role("button", name="送出評分表").click()  # issue 13 item 4
    assert page.get_by_text("評分表已送出").first.is_visible()
    assert Sheet.objects.get(reviewer=convener, agency=a).status == "submitted"

    page.goto(f"/reviews/cycles/{cycle.year}/calibration/")
    flagged = page.get_by_role("table", name="提交會議討論")
    assert flagged.get_by_role("row").count() == 2  # the header and one flag
    assert flagged.get_by_role("link", name=a.name).count() == 1
    assert "3.1.1" in flagged.inner_text()

    page.get_by_role("button", name="登出").click()
    sign_in(page, office.username, TEST_PASSWORD)
    page.goto(f"/reviews/cycles/{cycle.year}/results/")
    page.get_by_role("button", name="公布並凍結成績").click()
    assert axe_serious(page) == []  # the confirmation page (issue 13 item 4)
    page.get_by_role("button", name="公布並凍結", exact=True).click()
    assert page.get_by_text("成績已公布並凍結").first.is_visible()
    page.goto("/reviews/improvements/")
    page.get_by_label("機關", exact=True).select_option(str(a.pk))
    page.get_by_label("改進事項", exact=True).fill("請強化創新服務之成效評估")
    page.get_by_label("期限", exact=True).fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="送交機關").click()
    assert page.get_by_text("改進事項已送交機關").is_visible()

    page.get_by_role("button", name="登出").click()
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/")
    assert "創新服務成效卓著" in page.content()
    assert axe_serious(page) == []
    page.get_by_role("link", name="請強化創新服務之成效評估").click()
    page.get_by_label("改善情形").fill("已建立成效評估指標並於季會檢討")
    page.get_by_role("button", name="送出回覆").click()
    assert page.get_by_text("已送交研考單位").is_visible()
    assert Improvement.objects.get().status == "answered"


def test_review_pages_have_no_serious_accessibility_findings(page):
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    score_all(cycle, [(a, convener, "0.9"), (a, member, "0.5"), (b, convener, "0.8")])
    from serviceeval.reviews.services import improvement_create

    item = improvement_create(
        cycle=cycle,
        agency=a,
        text="請改善",
        deadline=date.today() + timedelta(days=1),
        actor=office,
    )
    sign_in(page, office.username, TEST_PASSWORD)
    for url in (
        "/reviews/",
        f"/reviews/cycles/{cycle.year}/panel/",
        f"/reviews/cycles/{cycle.year}/results/",
        f"/reviews/cycles/{cycle.year}/calibration/",
        f"/reviews/cycles/{cycle.year}/calibration/{a.pk}/",
        f"/reviews/cycles/{cycle.year}/agencies/{a.pk}/",
        f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/",
        "/reviews/improvements/",
        f"/reviews/improvements/{item.pk}/",
    ):
        assert page.goto(url).status == 200, url
        assert axe_serious(page) == [], url
    page.get_by_role("button", name="登出").click()
    sign_in(page, member.username, TEST_PASSWORD)
    for url in ("/reviews/", "/dashboard/"):
        assert page.goto(url).status == 200
        assert axe_serious(page) == [], url


def tab_to(page, predicate: str, limit: int = 600) -> None:
    """Press Tab until the focused element satisfies the JS expression `predicate`
    (over `e`, the active element): proves it is reachable by keyboard alone."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            f"(() => {{ const e = document.activeElement; return !!({predicate}); }})()"
        ):
            return
    raise AssertionError(f"not reachable by Tab: {predicate}")


def test_reviewer_scores_and_submits_a_sheet_by_keyboard_alone(page):
    """SPEC §5 accessibility: every flow works by keyboard alone (HSC-7 scoring)."""
    cycle, (a,), (reviewer,), _office = setup_cycle(1, 1)
    page.goto("/accounts/login/")
    tab_to(page, "e.name === 'username'")
    page.keyboard.type(reviewer.username)
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")
    page.goto("/reviews/")
    tab_to(
        page, f"e.tagName === 'A' && e.href.includes('/sheet/') && e.innerText.includes({a.name!r})"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/sheet/**")
    for leaf in leaves(cycle):
        tab_to(page, f"e.name === 'score_{leaf.code}'")
        page.keyboard.type(str((leaf.max_points * Decimal("0.8") * 2).to_integral_value() / 2))
    tab_to(page, "e.tagName === 'BUTTON' && e.innerText.trim() === '送出'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The confirmation page (issue 13 item 4) puts the focus on its action.
    assert page.evaluate("document.activeElement.innerText.trim()") == "送出評分表"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text("評分表已送出").first.is_visible()
    assert Sheet.objects.get(reviewer=reviewer, agency=a).status == "submitted"
