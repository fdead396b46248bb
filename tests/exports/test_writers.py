"""Exports are opened again and checked; the same input gives the same bytes."""

import io
import zipfile
from decimal import Decimal

from odf.opendocument import load as load_odf
from odf.table import TableCell, TableRow
from openpyxl import load_workbook

from serviceeval.exports.writers import (
    Block,
    Sheet,
    blocks_to_html,
    render_pdf,
    write_csv,
    write_ods,
    write_odt,
    write_xlsx,
)

SHEET = Sheet(
    "成績",
    ["機關", "總分", "等第"],
    [["衛生局", Decimal("812.35"), "甲"], ["稅務局", Decimal("699.99"), "丙"]],
)


def test_xlsx_round_trips_and_is_reproducible():
    data = write_xlsx([SHEET])
    ws = load_workbook(io.BytesIO(data)).active
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["機關", "總分", "等第"],
        ["衛生局", 812.35, "甲"],
        ["稅務局", 699.99, "丙"],
    ]
    assert write_xlsx([SHEET]) == data


def test_ods_round_trips_and_is_reproducible():
    data = write_ods([SHEET])
    doc = load_odf(io.BytesIO(data))
    rows = [
        [str(c) for c in r.getElementsByType(TableCell)]
        for r in doc.spreadsheet.getElementsByType(TableRow)
    ]
    assert rows == [
        ["機關", "總分", "等第"],
        ["衛生局", "812.35", "甲"],
        ["稅務局", "699.99", "丙"],
    ]
    assert (
        zipfile.ZipFile(io.BytesIO(data)).read("mimetype")
        == b"application/vnd.oasis.opendocument.spreadsheet"
    )
    assert write_ods([SHEET]) == data


def test_ods_cells_name_the_traditional_chinese_face_and_language():
    styles = zipfile.ZipFile(io.BytesIO(write_ods([SHEET]))).read("styles.xml").decode()
    assert '<style:default-style style:family="table-cell">' in styles
    assert 'style:font-name-asian="Noto Sans CJK TC"' in styles
    assert 'style:language-asian="zh"' in styles and 'style:country-asian="TW"' in styles


def test_odt_contains_the_text():
    data = write_odt(
        "實施計畫",
        [Block("heading", "計畫內容", level=2), Block("paragraph", "一處收件、全程服務")],
    )
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml").decode()
    assert "計畫內容" in content
    assert "一處收件、全程服務" in content
    assert write_odt("實施計畫", [Block("paragraph", "x")]) == write_odt(
        "實施計畫", [Block("paragraph", "x")]
    )


def test_pdf_embeds_the_traditional_chinese_font():
    data = render_pdf(blocks_to_html("為民服務考核", [Block("paragraph", "臺灣繁體中文")]))
    assert data.startswith(b"%PDF-")
    from weasyprint import HTML

    uncompressed = HTML(
        string=blocks_to_html("為民服務考核", [Block("paragraph", "臺灣")])
    ).write_pdf(uncompressed_pdf=True)
    assert b"Noto-Sans-CJK-TC" in uncompressed
    assert render_pdf(blocks_to_html("x", [Block("paragraph", "臺灣")])) == render_pdf(
        blocks_to_html("x", [Block("paragraph", "臺灣")])
    )


def test_csv_has_bom_and_exact_decimals():
    assert (
        write_csv(SHEET).decode("utf-8")
        == "\ufeff機關,總分,等第\r\n衛生局,812.35,甲\r\n稅務局,699.99,丙\r\n"
    )


def test_xlsxwriter_export_is_byte_for_byte_reproducible_and_reads_back(tmp_path):
    """XlsxWriter writes every XLSX export with a fixed creation time: the same sheets
    give the same bytes, and calamine and openpyxl read the values back."""
    import datetime

    from python_calamine import CalamineWorkbook

    from serviceeval.exports.writers import neutralise_formula

    sheet = Sheet(
        "長格式",
        ["機關", "分數", "日期", "評語"],
        [
            ["衛生局", Decimal("54.25"), datetime.date(2026, 3, 5), "=HYPERLINK(1)"],
            ["稅務局", 7, datetime.datetime(2026, 3, 5, 14, 30), neutralise_formula("+cmd")],
            ["臺北", Decimal("1.23456"), None, "繁體中文\x01"],
        ],
    )
    data = write_xlsx([sheet])
    assert write_xlsx([sheet]) == data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 31, 0, 0, 0)}
        core = zf.read("docProps/core.xml").decode()
        assert "2000-01-01T00:00:00Z" in core
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")
    (tmp_path / "x.xlsx").write_bytes(data)
    rows = CalamineWorkbook.from_path(tmp_path / "x.xlsx").get_sheet_by_index(0).to_python()
    assert rows == [
        ["機關", "分數", "日期", "評語"],
        ["衛生局", 54.25, datetime.date(2026, 3, 5), "=HYPERLINK(1)"],
        ["稅務局", 7, datetime.datetime(2026, 3, 5, 14, 30), "'+cmd"],
        ["臺北", "1.23456", "", "繁體中文"],
    ]
    ws = load_workbook(tmp_path / "x.xlsx").active
    assert [(c.value, c.data_type) for c in ws[2]] == [
        ("衛生局", "s"),
        (54.25, "n"),
        (datetime.datetime(2026, 3, 5), "d"),
        ("=HYPERLINK(1)", "s"),
    ]
    assert ws.title == "長格式"
