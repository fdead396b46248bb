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
