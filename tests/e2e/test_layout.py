"""Issue 15 item 4: at 390 px the navigation is a menu that opens without script
and wide tables scroll in their own box; at 1280 px the navigation is a row."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from tests.factories import TEST_PASSWORD, AgencyFactory, make_cycle, user_for

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("javascript", [True, False])
def test_phone_menu_collapses_and_opens(browser, live_server, javascript):
    office = user_for(Role.COORDINATOR)
    agencies = [AgencyFactory() for _ in range(3)]
    make_cycle(year=105, agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]))
    ctx = browser.new_context(
        base_url=live_server.url,
        locale="zh-TW",
        viewport={"width": 390, "height": 844},
        java_script_enabled=javascript,
    )
    page = ctx.new_page()
    sign_in(page, office.username, TEST_PASSWORD)
    nav_link = page.locator("header nav a").first
    menu = page.locator("header summary")
    assert menu.is_visible() and menu.inner_text().startswith("選單")
    assert not nav_link.is_visible()
    menu.click()
    assert nav_link.is_visible()
    # One word per line would make the header taller than the phone's screen.
    links = page.locator("header nav a")
    heights = [links.nth(i).bounding_box()["height"] for i in range(links.count())]
    assert max(heights) < 44  # one line each (about 36 px with its padding)
    page.goto("/submissions/status/")
    table = page.locator("main table").first
    assert table.evaluate("t => getComputedStyle(t).overflowX") == "auto"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ctx.close()


def test_desktop_navigation_is_a_row(browser, live_server):
    office = user_for(Role.COORDINATOR)
    ctx = browser.new_context(
        base_url=live_server.url, locale="zh-TW", viewport={"width": 1280, "height": 900}
    )
    page = ctx.new_page()
    sign_in(page, office.username, TEST_PASSWORD)
    assert not page.locator("header summary").is_visible()
    links = page.locator("header nav a")
    assert links.first.is_visible()
    tops = {round(links.nth(i).bounding_box()["y"]) for i in range(links.count())}
    assert len(tops) == 1
    ctx.close()


MAIN_PAGES = {
    "office": [
        "/dashboard/",
        "/cycles/",
        "/agencies/",
        "/submissions/status/?cycle=105",
        "/reviews/cycles/105/panel/",
        "/reviews/cycles/105/assignments/grid/",
        "/reviews/cycles/105/progress/",
        "/reviews/cycles/105/results/",
        "/reviews/cycles/105/calibration/",
        "/rewards/?cycle=105",
        "/notifications/outbox/",
    ],
    "officer": ["/dashboard/", "/submissions/", "/reviews/improvements/", "/notifications/"],
    "city-head": ["/dashboard/", "/submissions/", "/rewards/award/"],
    "reviewer": ["/dashboard/", "/reviews/"],
    "tester": ["/dashboard/", "/fieldtests/"],
}


@pytest.mark.parametrize("width", [390, 1280])
def test_main_pages_of_each_role_fit_the_screen(browser, live_server, tmp_path, width):
    """Issue 15 item 4: no page of a role's daily work scrolls sideways at 390 px
    (wide tables scroll in their own box) nor at 1280 px; the screenshots are kept
    in the test's temporary folder to be looked at."""
    from serviceeval.demo import DEMO_PASSWORD, build

    build()
    for username, urls in MAIN_PAGES.items():
        ctx = browser.new_context(
            base_url=live_server.url, locale="zh-TW", viewport={"width": width, "height": 900}
        )
        page = ctx.new_page()
        sign_in(page, username, DEMO_PASSWORD)
        for url in urls:
            assert page.goto(url).status == 200, url
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{username} {url}: {overflow} px wide"
            name = url.strip("/").replace("/", "_").replace("?", "_") or "home"
            page.screenshot(path=tmp_path / f"{username}-{name}-{width}.png", full_page=True)
        ctx.close()
