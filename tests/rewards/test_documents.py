"""Issue 15 item 5: the reward roster (敘獎名冊) as an office document: names and
嘉獎 on one line, header, page numbers, signature block, 草案 until the cycle's
results are published; the XLSX and ODS with widths and a frozen header row."""

import io
import zipfile

import pytest
from openpyxl import load_workbook

from serviceeval.rewards import services
from serviceeval.rewards.exporters import roster_file
from serviceeval.rewards.models import PublicCommendation
from tests.exports.pdftext import on_one_line, pdf_pages
from tests.fieldtests.helpers import a_tester, call, city_cycle

pytestmark = pytest.mark.django_db


def test_roster_documents_are_drafts_until_published():
    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester())
    entries = list(services.roster_entries(cycle))
    commendations = list(PublicCommendation.objects.filter(cycle=cycle).select_related("agency"))
    pages = pdf_pages(roster_file(cycle, entries, commendations, "pdf"))
    text = "\n".join(pages)
    assert all("草案" in page for page in pages)
    assert "敘獎名冊" in text and f"民國{cycle.year}年度" in text
    assert f"第 1 頁／共 {len(pages)} 頁" in pages[0]
    for entry in entries:
        assert on_one_line(text, entry.person), entry.person
    assert on_one_line(text, "嘉獎") and on_one_line(text, a.name)
    assert all(on_one_line(text, w) for w in ("承辦人", "單位主管", "機關首長", "市政會議公開表揚"))
    ws = load_workbook(io.BytesIO(roster_file(cycle, entries, commendations, "xlsx"))).worksheets[0]
    assert ws.freeze_panes == "A2" and ws.column_dimensions["B"].width > 6
    ods = zipfile.ZipFile(io.BytesIO(roster_file(cycle, entries, commendations, "ods")))
    assert '"VerticalSplitMode" config:type="short">2<' in ods.read("settings.xml").decode()
    assert "table:table-column table:style-name=" in ods.read("content.xml").decode()
    cycle.results_published_at = cycle.created
    text = "\n".join(pdf_pages(roster_file(cycle, entries, commendations, "pdf")))
    assert "草案" not in text and entries[0].person in text
