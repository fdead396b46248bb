"""Issue 12 item 5 in a real browser: the office assigns and unassigns from the
assignment grid (unassign asks first, without script too), previews the automatic
assignment in the same grid and confirms it; no serious axe finding on any step; on
a phone the grid scrolls inside its own box with its header row and agency column
in view."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import Assignment, PanelRole
from serviceeval.reviews.services import assign, conflict_declare, panel_add
from tests.factories import TEST_PASSWORD, user_for
from tests.reviews.helpers import setup_cycle

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def world():
    cycle, (a, b, c), (r0, r1, r2), office = setup_cycle(3, 3, assign_all=False)
    panel_add(cycle=cycle, user=r0, role=PanelRole.CONVENER, actor=office, max_assignments=2)
    assign(cycle=cycle, reviewer=r0, agency=a, actor=office)
    conflict_declare(cycle=cycle, reviewer=r1, agency=b, reason="配偶任職於該機關", actor=office)
    return cycle, (a, b, c), (r0, r1, r2), office


@pytest.mark.parametrize("javascript", [True, False])
def test_assign_unassign_and_preview_from_the_grid(browser, live_server, javascript):
    cycle, (a, b, c), (r0, r1, r2), office = world()
    ctx = browser.new_context(
        base_url=live_server.url, locale="zh-TW", java_script_enabled=javascript
    )
    page = ctx.new_page()
    page.set_default_timeout(15000)
    sign_in(page, office.username, TEST_PASSWORD)
    grid = f"/reviews/cycles/{cycle.year}/assignments/grid/?need=2"
    page.goto(f"/reviews/cycles/{cycle.year}/panel/")
    page.get_by_role("link", name="分派總表").first.click()
    assert "/assignments/grid/" in page.url
    page.goto(grid)
    assert not javascript or axe_serious(page) == []  # axe is a script itself
    assert page.get_by_text("迴避", exact=True).count() >= 1

    # Assign: the button's name says whom to which agency.
    page.get_by_role("button", name=f"指派 {r2} {c.name}").click()
    page.wait_for_url(f"**{grid}")
    assert Assignment.objects.filter(cycle=cycle, reviewer=r2, agency=c).exists()
    assert not javascript or axe_serious(page) == []

    # Unassign: asks first, then back on the same filtered page.
    page.get_by_role("button", name=f"移除指派 {r2} {c.name}").click()
    assert page.locator("h1").inner_text().startswith("移除")
    assert Assignment.objects.filter(cycle=cycle, reviewer=r2, agency=c).exists()
    assert not javascript or axe_serious(page) == []
    page.get_by_role("button", name="移除指派").click()
    page.wait_for_url(f"**{grid}")
    assert not Assignment.objects.filter(cycle=cycle, reviewer=r2, agency=c).exists()

    # Preview: marked in the grid, nothing saved; confirm saves it.
    before = Assignment.objects.count()
    page.get_by_role("button", name="預覽自動分派").click()
    assert page.get_by_role("heading", name="自動分派預覽").is_visible()
    assert page.locator("td .g-proposed").count() > 0
    assert Assignment.objects.count() == before
    assert not javascript or axe_serious(page) == []
    proposed = page.locator("td .g-proposed").count()
    page.get_by_role("button", name="確認分派").click()
    page.wait_for_url("**/assignments/grid/?need=2")
    assert Assignment.objects.filter(cycle=cycle, automatic=True).count() == proposed
    ctx.close()


def test_grid_scrolls_in_its_own_box_on_a_phone(browser, live_server):
    cycle, _agencies, _reviewers, office = world()
    for _ in range(8):  # a panel wider than the phone
        panel_add(cycle=cycle, user=user_for(Role.REVIEWER), role=PanelRole.MEMBER, actor=office)
    ctx = browser.new_context(
        base_url=live_server.url, locale="zh-TW", viewport={"width": 390, "height": 844}
    )
    page = ctx.new_page()
    sign_in(page, office.username, TEST_PASSWORD)
    page.goto(f"/reviews/cycles/{cycle.year}/assignments/grid/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator(".grid-box")
    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"
    head = page.locator(".grid thead th").nth(3)
    row_head = page.locator(".grid tbody th").first
    assert head.evaluate("e => getComputedStyle(e).position") == "sticky"
    assert row_head.evaluate("e => getComputedStyle(e).position") == "sticky"
    x = row_head.bounding_box()["x"]
    box.evaluate("b => { b.scrollLeft = 300; }")
    assert abs(row_head.bounding_box()["x"] - x) < 1  # the agency column stays in view
    assert axe_serious(page) == []
    ctx.close()
