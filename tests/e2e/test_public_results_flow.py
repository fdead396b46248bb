"""Issue 12 in a real browser: the office publishes; a signed-out visitor goes from
the home page to the results, reads the grades and downloads the ODS; the agency
officer sees the results card on the dashboard and opens the feedback report."""

import pytest
from odf.opendocument import load
from odf.table import Table

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import Result
from serviceeval.reviews.presentation import grade_names
from tests.factories import TEST_PASSWORD, user_for
from tests.reviews.helpers import score_all, setup_cycle

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_published_results_reach_the_public_and_the_agency(browser, live_server, tmp_path):
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    score_all(cycle, [(a, convener, "0.9"), (a, member, "0.9"), (b, convener, "0.7")])
    score_all(cycle, [(b, member, "0.7")])
    officer = user_for(Role.AGENCY_OFFICER, agency=a)

    ctx = browser.new_context(base_url=live_server.url, locale="zh-TW", accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(15000)
    page.goto("/results/")
    assert "尚未公布" in page.content() or a.name not in page.content()

    sign_in(page, office.username, TEST_PASSWORD)
    page.goto(f"/reviews/cycles/{cycle.year}/results/")
    page.get_by_role("button", name="公布並凍結成績").click()
    page.get_by_role("button", name="公布並凍結", exact=True).click()
    assert page.get_by_text("成績已公布並凍結").first.is_visible()
    page.get_by_role("button", name="登出").click()

    # A citizen, signed out.
    page.goto("/")
    page.get_by_role("link", name="考核結果公告").click()
    page.get_by_role("link", name=f"民國{cycle.year}年").first.click()
    table = page.get_by_role("table").first
    code = Result.objects.get(cycle=cycle, agency=a).final_grade
    grade_a = grade_names(cycle.program.spec)[code]  # 甲等, as a person reads it
    row = table.get_by_role("row").filter(has_text=a.name)
    assert row.count() == 1 and grade_a in row.inner_text()
    assert axe_serious(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="ODS", exact=True).click()
    path = tmp_path / "results.ods"
    download.value.save_as(path)
    sheet = str(load(str(path)).spreadsheet.getElementsByType(Table)[0])
    assert a.name in sheet and grade_a in sheet

    # The agency's officer: the results card, then the feedback report from it.
    sign_in(page, officer.username, TEST_PASSWORD)
    page.goto("/dashboard/")
    card = page.get_by_role("region", name="本機關考核結果")
    assert grade_a in card.inner_text()
    card.get_by_role("link", name="考核回饋報告").first.click()
    assert page.url.endswith(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/")
    assert a.name in page.get_by_role("heading", level=1).inner_text()
    assert axe_serious(page) == []
    ctx.close()
