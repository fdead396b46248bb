"""Spreadsheet and document writers shared by every export.

A `Sheet` is a title, a header row and rows of plain values (str, int, Decimal,
date, None). Every writer is deterministic: the same sheets give the same bytes
(no timestamps, fixed metadata), so results are reproducible byte for byte.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from .fonts import TC_FAMILY, TC_FONT_FORMAT, TC_FONT_MEDIA_TYPE, TC_FONT_PATH, tc_subset

TC_FONT = "Noto Sans CJK TC"
PDF_FONT_CSS = '"Noto Sans CJK TC", "Noto Sans TC", sans-serif'
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence] = field(default_factory=list)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


# OWASP "CSV injection": a spreadsheet reads a cell that starts with one of these as a
# formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`), also after a tab or a carriage
# return. Text cells that do are written with a leading single quote, which shows the
# text as typed; numbers (int, Decimal) are written as they are, `-1.50` stays a number.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_cell(value):
    if isinstance(value, str):
        return neutralise_formula(value)
    return _cell(value)


def write_csv(sheet: Sheet) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_csv_cell(h) for h in sheet.header])
    for row in sheet.rows:
        w.writerow([_csv_cell(v) for v in row])
    # BOM so Excel opens the UTF-8 Chinese text correctly.
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps so the bytes depend only on content."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = (
                zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            )
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, content)
    return out.getvalue()


# Stamped as the workbook's creation (and modification) time so the bytes depend only
# on the content; XlsxWriter dates every zip member 1980-01-31 itself.
FIXED_XLSX_TIME = datetime(2000, 1, 1, tzinfo=UTC)
# Text that XML 1.0 cannot carry (C0 controls but tab, line feed, carriage return).
_FOUR_PLACES = Decimal("0.0001")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """Every XLSX export, the 260,000-row long score export too: XlsxWriter in
    constant-memory mode (each row is written out when the next begins). Text is
    always a text cell, never a formula, a number or a link; int, float and Decimal
    are number cells; dates are date cells."""
    import xlsxwriter

    buf = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buf,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"author": "serviceeval", "created": FIXED_XLSX_TIME})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.title[:31])
        for c, h in enumerate(sheet.header):
            ws.write_string(0, c, _XML_ILLEGAL.sub("", str(h)), bold)
        for r, row in enumerate(sheet.rows, start=1):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, str):
                    if v:
                        ws.write_string(r, c, _XML_ILLEGAL.sub("", v))
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v)
                elif isinstance(v, Decimal):
                    # Exact text of a Decimal past 4 places; else a number cell.
                    if v == v.quantize(_FOUR_PLACES):
                        ws.write_number(r, c, float(v))
                    else:
                        ws.write_string(r, c, str(v))
                elif isinstance(v, (int, float)):
                    ws.write_number(r, c, v)
                elif isinstance(v, datetime):
                    ws.write_datetime(r, c, v.replace(tzinfo=None), datetime_format)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, v, date_format)
                else:
                    ws.write_string(r, c, _XML_ILLEGAL.sub("", str(v)))
    workbook.close()
    return buf.getvalue()


def write_ods(sheets: Sequence[Sheet]) -> bytes:
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import DefaultStyle, FontFace, Style, TextProperties
    from odf.table import Table, TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    # Name the Traditional Chinese face and language for every cell, so a reader
    # does not draw the Japanese or Simplified forms of shared code points.
    doc.fontfacedecls.addElement(FontFace(name=TC_FONT, fontfamily=f"'{TC_FONT}'"))
    default = DefaultStyle(family="table-cell")
    default.addElement(
        TextProperties(
            fontname=TC_FONT, fontnameasian=TC_FONT, languageasian="zh", countryasian="TW"
        )
    )
    doc.styles.addElement(default)
    bold = Style(name="Header", family="table-cell")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    for sheet in sheets:
        table = Table(name=sheet.title[:31])
        tr = TableRow()
        for h in sheet.header:
            cell = TableCell(valuetype="string", stylename=bold)
            cell.addElement(P(text=str(h)))
            tr.addElement(cell)
        table.addElement(tr)
        for row in sheet.rows:
            tr = TableRow()
            for v in row:
                if isinstance(v, (int, Decimal)) and not isinstance(v, bool):
                    cell = TableCell(
                        valuetype="float", value=format(v, "f") if isinstance(v, Decimal) else v
                    )
                    cell.addElement(P(text=format(v, "f") if isinstance(v, Decimal) else str(v)))
                else:
                    text = _cell(v)
                    cell = TableCell(valuetype="string")
                    if text != "":
                        cell.addElement(P(text=str(text)))
                tr.addElement(cell)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    return _odf_bytes(doc)


def _odf_bytes(doc) -> bytes:
    import re

    buf = io.BytesIO()
    doc.write(buf)
    data = _normalise_zip(buf.getvalue())
    # odfpy writes the generation date into meta.xml; drop it for reproducible bytes.
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "meta.xml":
                content = re.sub(rb"<meta:creation-date>[^<]*</meta:creation-date>", b"", content)
                content = re.sub(rb"<dc:date>[^<]*</dc:date>", b"", content)
            if info.filename.endswith(".xml"):
                content = _fixed_namespaces(content)
            dst.writestr(info, content)
    return out.getvalue()


def _fixed_namespaces(xml: bytes) -> bytes:
    """odfpy keeps the namespaces it has seen in a class-level dict, so a root
    element's declarations depend on what the process wrote before. Declare the
    full known set, sorted, so the bytes depend only on the document."""
    import re

    from odf.namespaces import nsdict

    match = re.search(rb"<([a-z]+:[a-z-]+)((?:\s+xmlns:[a-z0-9]+=\"[^\"]*\")+)", xml)
    if not match:
        return xml
    declared = dict(re.findall(rb'xmlns:([a-z0-9]+)="([^"]*)"', match.group(2)))
    for uri, prefix in nsdict.items():
        declared.setdefault(prefix.encode(), uri.encode())
    attrs = b"".join(b' xmlns:%s="%s"' % (p, u) for p, u in sorted(declared.items()))
    return xml[: match.start(2)] + attrs + xml[match.end(2) :]


@dataclass
class Block:
    """A piece of a text document: heading (level 1-3), paragraph or table."""

    kind: str  # heading | paragraph | table
    text: str = ""
    level: int = 1
    header: Sequence[str] = ()
    rows: Sequence[Sequence] = ()


def write_odt(title: str, blocks: Sequence[Block]) -> bytes:
    """A text document in Noto Sans CJK TC, with a subset of that font embedded
    (`exports.fonts`) so it shows TC glyphs where the font is not installed."""
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ParagraphProperties,
        Style,
        TableColumnProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, P

    doc = OpenDocumentText()
    base = Style(name="Standard", family="paragraph")
    base.addElement(
        TextProperties(
            fontname=TC_FAMILY, fontnameasian=TC_FAMILY, fontsize="11pt", fontsizeasian="11pt"
        )
    )
    doc.styles.addElement(base)
    heads = {}
    for lvl, size in ((1, "18pt"), (2, "14pt"), (3, "12pt")):
        s = Style(name=f"Heading_{lvl}", family="paragraph", parentstylename="Standard")
        s.addElement(
            TextProperties(
                fontweight="bold", fontsize=size, fontweightasian="bold", fontsizeasian=size
            )
        )
        s.addElement(ParagraphProperties(margintop="0.2cm", marginbottom="0.2cm"))
        doc.styles.addElement(s)
        heads[lvl] = s
    col = Style(name="col", family="table-column")
    col.addElement(TableColumnProperties(columnwidth="3cm"))
    doc.automaticstyles.addElement(col)
    used: list[str] = [title]  # every piece of text, for the font subset
    doc.text.addElement(H(outlinelevel=1, stylename=heads[1], text=title))
    for n, block in enumerate(blocks):
        if block.kind == "heading":
            used.append(block.text)
            doc.text.addElement(
                H(
                    outlinelevel=block.level,
                    stylename=heads.get(block.level, heads[3]),
                    text=block.text,
                )
            )
        elif block.kind == "paragraph":
            for line in (block.text or "").splitlines() or [""]:
                used.append(line)
                doc.text.addElement(P(stylename=base, text=line))
        elif block.kind == "table":
            table = Table(name=f"T{n}")
            table.addElement(
                TableColumn(numbercolumnsrepeated=max(1, len(block.header)), stylename=col)
            )
            for values in [block.header, *block.rows]:
                tr = TableRow()
                for v in values:
                    text = str(_cell(v))
                    used.append(text)
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(stylename=base, text=text))
                    tr.addElement(cell)
                table.addElement(tr)
            doc.text.addElement(table)
    _embed_tc_font(doc, "".join(used))
    return _odf_bytes(doc)


def _embed_tc_font(doc, text: str) -> None:
    """Declare the TC font face and, when the font is installed, store its subset
    for `text` in the package the way LibreOffice embeds fonts: the file under
    `Fonts/`, listed in META-INF/manifest.xml, referenced from the face's
    `svg:font-face-src` (in content.xml and styles.xml), and `EmbedFonts` on in
    settings.xml so LibreOffice keeps it embedded when the document is saved again.
    Headings are bold: with the Regular face alone, readers embolden it."""
    from odf.config import ConfigItem, ConfigItemSet
    from odf.namespaces import LOEXTNS
    from odf.opendocument import OpaqueObject
    from odf.style import FontFace
    from odf.svg import FontFaceFormat, FontFaceSrc, FontFaceUri

    face = FontFace(
        name=TC_FAMILY,
        fontfamily=f"'{TC_FAMILY}'",
        fontfamilygeneric="swiss",
        fontpitch="variable",
    )
    doc.fontfacedecls.addElement(face)
    font = tc_subset(text)
    if font is None:
        return
    src = FontFaceSrc()
    uri = FontFaceUri(href=TC_FONT_PATH, type="simple")
    # LibreOffice marks which face each embedded file is (not in the ODF schema,
    # hence its extension namespace; other readers ignore it).
    uri.setAttrNS(LOEXTNS, "font-style", "normal")
    uri.setAttrNS(LOEXTNS, "font-weight", "normal")
    uri.addElement(FontFaceFormat(string=TC_FONT_FORMAT))
    src.addElement(uri)
    face.addElement(src)
    # odfpy writes `_extra` files and their manifest entries on save (it is where
    # `odf.opendocument.load` keeps a package's Fonts/ files); no public call adds
    # a non-picture file.
    doc._extra.append(OpaqueObject(TC_FONT_PATH, TC_FONT_MEDIA_TYPE, font))
    settings = ConfigItemSet(name="ooo:configuration-settings")
    settings.addElement(ConfigItem(name="EmbedFonts", type="boolean", text="true"))
    doc.settings.addElement(settings)


def render_pdf(html: str) -> bytes:
    """HTML → PDF with an embedded Traditional Chinese font.

    The template's CSS must name `Noto Sans CJK TC` (PDF_FONT_CSS): without the
    TC family WeasyPrint picks the Japanese glyphs."""
    from weasyprint import HTML

    document = HTML(string=html).render()
    document.metadata.created = "2000-01-01T00:00:00Z"
    document.metadata.modified = "2000-01-01T00:00:00Z"
    return document.write_pdf()


def blocks_to_html(title: str, blocks: Sequence[Block]) -> str:
    from html import escape

    parts = [
        "<!DOCTYPE html><html lang='zh-Hant'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>body{{font-family:{PDF_FONT_CSS};font-size:11pt}}"
        "table{border-collapse:collapse;width:100%}td,th{border:1px solid #888;padding:2pt 4pt}"
        "@page{size:A4;margin:2cm}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
    ]
    for block in blocks:
        if block.kind == "heading":
            lvl = min(max(block.level, 1), 3) + 1
            parts.append(f"<h{lvl}>{escape(block.text)}</h{lvl}>")
        elif block.kind == "paragraph":
            parts.append(
                "".join(f"<p>{escape(line)}</p>" for line in (block.text or "").splitlines())
            )
        elif block.kind == "table":
            head = "".join(f"<th>{escape(str(h))}</th>" for h in block.header)
            body = "".join(
                "<tr>" + "".join(f"<td>{escape(str(_cell(v)))}</td>" for v in row) + "</tr>"
                for row in block.rows
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body></html>")
    return "".join(parts)


def sheets_to_pdf(title: str, sheets: Sequence[Sheet]) -> bytes:
    blocks: list[Block] = []
    for sheet in sheets:
        blocks.append(Block("heading", sheet.title, level=1))
        blocks.append(Block("table", header=sheet.header, rows=[list(r) for r in sheet.rows]))
    return render_pdf(blocks_to_html(title, blocks))
