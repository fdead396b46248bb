"""Issue 13 item 2 in a real browser: a reviewer who declares a conflict of
interest vanishes from the calibration, the score export (status `conflict`) and
the agency's feedback report; their sheet is kept."""

import csv
import io
from pathlib import Path

import pytest

from serviceeval.reviews.models import Sheet
from tests.factories import TEST_PASSWORD
from tests.reviews.helpers import score_rows, setup_cycle

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_declared_conflict_removes_the_reviewer_everywhere(page):
    from serviceeval.reviews.services import publish_results, scores_import

    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    rows = score_rows(cycle, a, convener, "0.9", comment="說明清楚")
    rows += score_rows(cycle, a, member, "0.4", start=len(rows) + 2, comment="委員乙的疑慮")
    rows += score_rows(cycle, b, convener, "0.8", start=len(rows) + 2)
    rows += score_rows(cycle, b, member, "0.8", start=len(rows) + 2)
    assert scores_import(cycle=cycle, rows=rows).errors == []

    sign_in(page, member.username, TEST_PASSWORD)
    page.goto("/reviews/")
    page.get_by_label("機關", exact=True).select_option(str(a.pk))
    page.get_by_label("理由", exact=True).fill("曾任該機關顧問")
    page.get_by_role("button", name="申報", exact=True).click()
    assert axe_serious(page) == []
    page.get_by_role("button", name="聲明利益迴避").click()
    page.wait_for_url("**/reviews/")
    assert Sheet.objects.filter(cycle=cycle, agency=a, reviewer=member).exists()  # kept

    page.context.clear_cookies()
    sign_in(page, office.username, TEST_PASSWORD)
    page.goto(f"/reviews/cycles/{cycle.year}/progress/")  # issue 13 item 3
    row = page.get_by_role("row", name=member.username)
    assert row.get_by_role("cell").nth(1).inner_text() == "1"  # b only: a is conflicted
    assert axe_serious(page) == []
    page.goto(f"/reviews/cycles/{cycle.year}/calibration/{a.pk}/")
    sheet_table = page.locator("main").inner_text()
    assert str(convener) in sheet_table and str(member) not in sheet_table
    page.goto(f"/reviews/cycles/{cycle.year}/results/")
    with page.expect_download() as download:
        page.locator('a[href$="/scores.csv"]').click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    statuses = {(r[2], r[-1]) for r in list(csv.reader(io.StringIO(text)))[1:] if r[0] == a.code}
    assert statuses == {(convener.username, "submitted"), (member.username, "conflict")}
    publish_results(cycle=cycle, actor=office)
    page.goto(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/")
    report = page.locator("main").inner_text()
    assert "說明清楚" in report and "委員乙的疑慮" not in report
    assert axe_serious(page) == []
