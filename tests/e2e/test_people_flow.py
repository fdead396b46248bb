"""Issue 11 item 4 in a real browser: the office opens 帳號 from the navigation,
creates an account (a one-time set-password link goes out by SMTP, no password is
shown), the new person sets a password through the link and signs in; the office
deactivates the account after a confirmation page. axe finds nothing serious and
the pages fit a 390 px phone."""

import re

import pytest

from serviceeval.demo import DEMO_PASSWORD, build

from .conftest import axe_serious, sign_in, wait_for_mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _fits(page, width):
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_office_creates_an_account_and_the_link_sets_its_password(
    browser, live_server, smtp_sink, settings
):
    build()
    settings.SITE_URL = live_server.url
    for width in (1280, 390):
        context = browser.new_context(
            base_url=live_server.url, locale="zh-TW", viewport={"width": width, "height": 900}
        )
        page = context.new_page()
        sign_in(page, "office", DEMO_PASSWORD)
        page.goto("/accounts/people/")
        assert page.get_by_role("heading", level=1).inner_text() == "帳號"
        assert axe_serious(page) == []
        _fits(page, width)
        page.get_by_role("link", name="新增帳號").click()
        username = f"new{width}"
        page.get_by_label("帳號").fill(username)
        page.get_by_label("姓名").fill("新同仁")
        page.get_by_label("職務").select_option("reviewer")
        page.get_by_label("電子郵件").fill(f"{username}@example.gov.tw")
        assert axe_serious(page) == []
        _fits(page, width)
        page.get_by_role("button", name="建立帳號").click()
        page.wait_for_url("**/accounts/people/*/")
        edit_url = page.url
        assert "設定密碼連結已寄至" in page.content()
        assert axe_serious(page) == []
        _fits(page, width)

        message = wait_for_mail(smtp_sink, f"{username}@example.gov.tw")[0]
        link = re.search(r"http\S+/accounts/password/reset/\S+/", message.get_content()).group(0)
        person = browser.new_context(base_url=live_server.url, locale="zh-TW").new_page()
        person.goto(link)
        password = "Brand-new-pass-2026!"
        person.get_by_label("新密碼", exact=True).fill(password)
        person.get_by_label("新密碼確認").fill(password)
        person.get_by_role("button", name="確認").click()
        person.wait_for_url("**/password/reset/complete/")
        person.goto("/accounts/login/")
        person.get_by_label("帳號").fill(username)
        person.get_by_label("密碼").fill(password)
        person.get_by_role("button", name="登入").click()
        person.wait_for_url(re.compile(r".*/accounts/2fa/setup/.*|.*/dashboard/.*"))

        page.goto(edit_url)
        page.get_by_role("button", name="停用帳號").click()
        assert page.get_by_role("heading", level=1).inner_text() == "停用 新同仁"
        assert axe_serious(page) == []
        page.get_by_role("button", name="停用帳號").click()
        assert "帳號已停用" in page.content()
        context.close()
