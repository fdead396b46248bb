"""Issue 2 as a new user would try it: zh-Hant home page, each demo role signs in."""

import pytest

from serviceeval.demo import DEMO_PASSWORD, DEMO_USERS, build

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_is_in_traditional_chinese_and_accessible(page):
    build()
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hant-TW"
    assert page.get_by_role("heading", level=1).inner_text() == "為民服務考核"
    assert axe_serious(page) == []


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_each_demo_role_signs_in_and_sees_its_dashboard(page, username):
    build()
    sign_in(page, username, DEMO_PASSWORD)
    assert page.get_by_role("heading", level=1).inner_text().startswith("工作總覽")
    assert axe_serious(page) == []


def test_agency_officer_gets_404_for_another_agencys_page(page):
    ctx = build()
    sign_in(page, "officer", DEMO_PASSWORD)
    other = ctx["agencies"]["HC-102"]
    response = page.goto(f"/agencies/{other.pk}/")
    assert response.status == 404
    own = ctx["agencies"]["HC-101"]
    response = page.goto(f"/agencies/{own.pk}/")
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text().startswith("衛生局")


def test_keyboard_only_sign_in(page):
    build()
    page.goto("/accounts/login/")
    page.keyboard.press("Tab")  # skip link first
    assert page.evaluate("document.activeElement.className") == "skip-link"
    page.get_by_label("帳號").focus()
    page.keyboard.type("office")
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/dashboard/")


def test_office_pages_have_no_serious_accessibility_findings(page):
    build()
    sign_in(page, "office", DEMO_PASSWORD)
    for url in (
        "/agencies/",
        "/cycles/",
        "/cycles/105/",
        "/programs/",
        "/accounts/2fa/setup/",
        "/accounts/password/",
    ):
        page.goto(url)
        assert (url, axe_serious(page)) == (url, [])
    page.get_by_role("link", name="考核計畫").first.click()
    page.get_by_role("link", name="hsinchu-105").click()
    assert axe_serious(page) == []
    assert page.get_by_role("cell", name="1.1.2.1.1").is_visible()
