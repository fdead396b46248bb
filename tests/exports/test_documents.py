"""Issue 15 item 5: the office documents carry a header (city, title, cycle, date),
page numbers 第 x 頁／共 y 頁, a signature block where asked, 草案 on every page of a
draft, and columns that keep names and kinds on one line. Each format is opened
again: PDF text (pdftotext), XLSX (openpyxl), ODS and ODT (zip + XML)."""

import io
import re
import zipfile
from decimal import Decimal

from openpyxl import load_workbook

from serviceeval.exports.documents import (
    DocumentMeta,
    column_widths,
    fit_columns,
    issuing_body,
    text_width,
)
from serviceeval.exports.writers import (
    Block,
    Sheet,
    blocks_to_html,
    render_pdf,
    sheets_to_pdf,
    write_ods,
    write_odt,
    write_xlsx,
)

from .pdftext import on_one_line, pdf_pages

NAMES = [f"歐陽{given}" for given in ("志明", "春嬌", "大同", "小美", "建國", "淑芬")]
REASON = (
    "電話禮貌測試年度平均 93.5 分，依計畫公開表揚並核予嘉獎二次，機關首長、評核人員與受測人員各一次"
)
HEADER = ("序號", "姓名", "職務", "機關", "獎懲", "次數", "依據", "事由", "來源")


def roster(n=60) -> Sheet:
    rows = [
        (
            i,
            NAMES[i % 6],
            "評核人員、主管",
            "新竹市東區戶政事務所",
            "嘉獎",
            2,
            "CITY-13",
            REASON,
            "計算",
        )
        for i in range(1, n + 1)
    ]
    return Sheet("敘獎名冊 105", HEADER, rows)


def meta(draft=True, **kw) -> DocumentMeta:
    return DocumentMeta(
        title="民國105年度 敘獎名冊",
        city="新竹市政府",
        cycle="民國105年度",
        issued="民國105年11月1日",
        draft=draft,
        **({"signatures": True, "landscape": True} | kw),
    )


def test_widths_count_a_cjk_character_twice():
    assert text_width("嘉獎") == 4 and text_width("HSC-11") == 6
    assert column_widths(["姓名", "總分"], [["歐陽志明", Decimal("812.35")]]) == [8, 6]
    assert issuing_body("新竹市") == "新竹市政府" and issuing_body("新竹市政府") == "新竹市政府"
    units, nowrap = fit_columns([4, 8, 60], 100)
    assert nowrap == [True, True, False] and round(sum(units)) == 100


def test_draft_roster_pdf_has_header_page_numbers_draft_mark_and_signatures():
    pages = pdf_pages(sheets_to_pdf("民國105年度 敘獎名冊", [roster()], meta()))
    assert len(pages) >= 2
    for n, page in enumerate(pages, start=1):
        assert f"第 {n} 頁／共 {len(pages)} 頁" in page
        assert "新竹市政府" in page and "民國105年度 敘獎名冊" in page and "民國105年度" in page
        assert "草案" in page  # the running header of every page says it is a draft
    text = "\n".join(pages)
    assert "製表日期：民國105年11月1日" in text
    for word in ("承辦人", "單位主管", "機關首長"):
        assert on_one_line(pages[-1], word)
    # No name, agency or kind broken across lines (the earlier one-character columns).
    for word in [*NAMES, "嘉獎", "新竹市東區戶政事務所", "評核人員、主管", "CITY-13"]:
        assert on_one_line(text, word), word
    # The header row repeats on each page the table runs over.
    with_rows = [page for page in pages if any(name in page for name in NAMES)]
    assert len(with_rows) >= 2 and all(on_one_line(page, "姓名") for page in with_rows)


def test_published_document_has_no_draft_mark():
    data = sheets_to_pdf("民國105年度 敘獎名冊", [roster(5)], meta(draft=False))
    text = "\n".join(pdf_pages(data))
    assert "草案" not in text and "第 1 頁／共 1 頁" in text
    assert sheets_to_pdf("民國105年度 敘獎名冊", [roster(5)], meta(draft=False)) == data


def test_feedback_style_columns_keep_short_headers_on_one_line():
    """The feedback PDF printed 自評分數 one character per line."""
    header = ["評核重點", "配分", "委員評分", "自評分數", "上次", "委員意見"]
    rows = [
        ["1.1.1.1 單一窗口服務全功能程度" * 2, 60, Decimal("54.00"), Decimal("50"), "—", REASON]
    ]
    blocks = [Block("table", header=header, rows=rows * 30)]
    pages = pdf_pages(
        render_pdf(blocks_to_html("衛生局 考核回饋報告", blocks, meta(signatures=False)))
    )
    for word in ("自評分數", "委員評分", "54.00"):
        assert on_one_line(pages[0], word)
    assert "承辦人" not in "\n".join(pages)


def test_xlsx_has_widths_frozen_header_number_formats_and_print_header():
    wb = load_workbook(io.BytesIO(write_xlsx([roster(5)], meta())))
    ws = wb.active
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width >= text_width("歐陽志明")
    assert ws.column_dimensions["D"].width >= text_width("新竹市東區戶政事務所")
    assert ws["A2"].number_format == "0"
    assert "草案" in ws.oddHeader.right.text and "新竹市政府" in ws.oddHeader.left.text
    assert ws.oddFooter.center.text == "第 &P 頁／共 &N 頁"
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    points = load_workbook(
        io.BytesIO(write_xlsx([Sheet("x", ["總分"], [[Decimal("812.35")], [Decimal("7.5")]])]))
    ).active
    assert points.freeze_panes == "A2"
    assert [points["A2"].number_format, points["A3"].number_format] == ["0.00", "0.0"]


def test_ods_has_column_widths_frozen_header_and_page_numbers():
    data = write_ods([roster(5), Sheet("市政會議公開表揚", ["序號", "機關"], [])], meta())
    zf = zipfile.ZipFile(io.BytesIO(data))
    content = zf.read("content.xml").decode()
    widths = dict(
        re.findall(
            r'style:name="(co\d+)"[^>]*>\s*<style:table-column-properties[^>]*?style:column-width="([\d.]+cm)"',
            content,
        )
    )
    columns = re.findall(r'<table:table-column table:style-name="(co\d+)"/>', content)
    assert len(columns) == len(HEADER) + 2 and all(c in widths for c in columns)
    name_col = float(widths[columns[1]][:-2])
    assert name_col >= 8 * 0.2  # 歐陽志明: 8 half-width cells
    settings = zf.read("settings.xml").decode()
    for sheet in ("敘獎名冊 105", "市政會議公開表揚"):
        block = settings.split(f'config:name="{sheet}"', 1)[1].split(
            "</config:config-item-map-entry>"
        )[0]
        assert '"VerticalSplitMode" config:type="short">2<' in block
        assert '"VerticalSplitPosition" config:type="int">1<' in block
    styles = zf.read("styles.xml").decode()
    assert "<text:page-number>" in styles and "<text:page-count>" in styles
    assert "草案" in styles and 'style:print-orientation="landscape"' in styles
    assert write_ods([roster(5)], meta()) == write_ods([roster(5)], meta())


def test_odt_has_header_footer_fields_widths_and_signatures():
    blocks = [Block("table", header=HEADER, rows=roster(5).rows)]
    data = write_odt("民國105年度 敘獎名冊", blocks, meta())
    zf = zipfile.ZipFile(io.BytesIO(data))
    styles = zf.read("styles.xml").decode()
    assert "<style:header>" in styles and "<style:footer>" in styles
    assert "<text:page-number" in styles and "<text:page-count>" in styles
    assert "新竹市政府　民國105年度 敘獎名冊" in styles and "草案" in styles
    assert 'fo:page-width="29.7cm"' in styles
    content = zf.read("content.xml").decode()
    assert "<table:table-header-rows>" in content
    for word in ("承辦人", "單位主管", "機關首長", "草案：本年度考核結果尚未公布。"):
        assert word in content
    cms = [float(w) for w in re.findall(r'style:column-width="([\d.]+)cm"', content)]
    assert cms and min(cms) > 0.5
    assert write_odt("民國105年度 敘獎名冊", blocks, meta()) == data
