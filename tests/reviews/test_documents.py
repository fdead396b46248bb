"""Issue 15 item 5: the results table, the feedback report and the improvement
letter (函, HSC-12) as documents: header, page numbers, 草案 until publication,
signature block, ROC dates; the letter is the office's, one agency at a time."""

import io
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from serviceeval.accounts.enums import Role
from serviceeval.core.roc import format_roc_date
from serviceeval.reviews.services import improvement_create, publish_results
from tests.exports.pdftext import on_one_line, pdf_pages
from tests.factories import user_for

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def test_results_pdf_is_a_draft_until_published_and_has_signatures(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9"), (b, r1, "0.75")])
    client.force_login(office)
    url = f"/reviews/cycles/{cycle.year}/results.pdf"
    pages = pdf_pages(client.get(url).content)
    text = "\n".join(pages)
    assert all("草案" in page for page in pages)
    assert "考核結果" in text and f"民國{cycle.year}年度" in text and "第 1 頁／共" in text
    for word in (a.name, b.name, "承辦人", "單位主管", "機關首長"):
        assert on_one_line(text, word)
    xlsx = load_workbook(
        io.BytesIO(client.get(f"/reviews/cycles/{cycle.year}/results.xlsx").content)
    )
    assert xlsx.active.freeze_panes == "A2" and "草案" in xlsx.active.oddHeader.right.text
    publish_results(cycle=cycle, actor=office)
    text = "\n".join(pdf_pages(client.get(url).content))
    assert "草案" not in text and a.name in text
    xlsx = load_workbook(
        io.BytesIO(client.get(f"/reviews/cycles/{cycle.year}/results.xlsx").content)
    )
    assert "草案" not in (xlsx.active.oddHeader.right.text or "")


def test_feedback_pdf_keeps_scores_on_one_line_and_shows_roc_deadlines(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9"), (b, r1, "0.75")])
    deadline = date.today() + timedelta(days=40)
    improvement_create(
        cycle=cycle, agency=a, text="請改善電話禮貌", deadline=deadline, actor=office
    )
    publish_results(cycle=cycle, actor=office)
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=a))
    pages = pdf_pages(client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}.pdf").content)
    text = "\n".join(pages)
    assert "考核回饋報告" in text and "新竹市政府" in text and "草案" not in text
    assert f"第 1 頁／共 {len(pages)} 頁" in pages[0]
    for word in ("自評分數", "委員評分", format_roc_date(deadline)):
        assert on_one_line(text, word), word
    odt = zipfile.ZipFile(
        io.BytesIO(client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}.odt").content)
    )
    assert "<text:page-number" in odt.read("styles.xml").decode()


def test_improvement_letter_hsc12(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    soon, later = date.today() + timedelta(days=30), date.today() + timedelta(days=60)
    improvement_create(
        cycle=cycle,
        agency=a,
        text="電話禮貌待加強",
        deadline=later,
        actor=office,
        criterion="1.2.1.2.1",
    )
    improvement_create(cycle=cycle, agency=a, text="網站資訊更新", deadline=soon, actor=office)
    client.force_login(office)
    page = client.get("/reviews/improvements/").content.decode()
    url = f"/reviews/improvements/letter/{cycle.year}/{a.pk}"
    assert f"{url}.pdf" in page and f"{url}.odt" in page
    response = client.get(f"{url}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    text = "\n".join(pages)
    assert "函" in text and "新竹市政府" in text and "第 1 頁／共 1 頁" in text
    assert f"受文者：{a.name}" in text and f"發文日期：{format_roc_date(date.today())}" in text
    assert "主旨：" in text and "說明：" in text and "計2項" in text
    for word in ("1.2.1.2.1", "電話禮貌待加強", format_roc_date(soon), format_roc_date(later)):
        assert on_one_line(text, word), word
    assert text.index("網站資訊更新") < text.index("電話禮貌待加強")  # by deadline
    assert all(on_one_line(text, w) for w in ("承辦人", "單位主管", "機關首長"))
    assert "草案" in text  # the cycle's results are not published yet
    odt = zipfile.ZipFile(io.BytesIO(client.get(f"{url}.odt").content))
    content = odt.read("content.xml").decode()
    assert f"受文者：{a.name}" in content and format_roc_date(later) in content
    assert "承辦人" in content and "<text:page-count>" in odt.read("styles.xml").decode()
    # Another agency without items, an unknown format: 404; agency staff: not theirs.
    assert client.get(f"/reviews/improvements/letter/{cycle.year}/{b.pk}.pdf").status_code == 404
    assert client.get(f"{url}.docx").status_code == 404
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=a))
    assert client.get(f"{url}.pdf").status_code in (403, 404)
    assert f"{url}.pdf" not in client.get("/reviews/improvements/").content.decode()
