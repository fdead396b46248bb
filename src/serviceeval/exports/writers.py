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

from .documents import (
    MAX_WIDTH,
    DocumentMeta,
    column_widths,
    css_string,
    fit_columns,
    labels,
)
from .fonts import TC_FAMILY, TC_FONT_FORMAT, TC_FONT_MEDIA_TYPE, TC_FONT_PATH, tc_subset

TC_FONT = "Noto Sans CJK TC"
PDF_FONT_CSS = '"Noto Sans CJK TC", "Noto Sans TC", sans-serif'
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


@dataclass
class Sheet:
    title: str
    header: Sequence[str]
    rows: Iterable[Sequence] = field(default_factory=list)
    # Column widths in half-width cells (a CJK character is two); estimated from the
    # header and the first rows when not given.
    widths: Sequence[int] | None = None


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


def _decimal_places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _sheet_widths(sheet: Sheet) -> list[int]:
    if sheet.widths:
        return [int(w) for w in sheet.widths]
    return column_widths(sheet.header, sheet.rows)


def _xlsx_header_text(text: str) -> str:
    return text.replace("&", "&&")[:100]


def _xlsx_page_setup(ws, meta: DocumentMeta | None, columns: int) -> None:
    """A4, landscape where wide, the header row repeated, one page wide, the
    document header (city, title, cycle, 草案) and 第 x 頁／共 y 頁 in the footer."""
    ws.set_paper(9)  # A4
    if meta is None or meta.landscape or columns > 6:
        ws.set_landscape()
    ws.repeat_rows(0)
    ws.fit_to_pages(1, 0)
    if meta is None:
        return
    words = labels()
    ws.set_header(
        f"&L{_xlsx_header_text(meta.header_left)}&R{_xlsx_header_text(meta.header_right)}"
    )
    ws.set_footer(
        f"&L{_xlsx_header_text(meta.issued)}&C"
        + _xlsx_header_text(words.page_before)
        + "&P"
        + _xlsx_header_text(words.page_between)
        + "&N"
        + _xlsx_header_text(words.page_after)
    )


def write_xlsx(sheets: Sequence[Sheet], meta: DocumentMeta | None = None) -> bytes:
    """Every XLSX export, the 260,000-row long score export too: XlsxWriter in
    constant-memory mode (each row is written out when the next begins). Text is
    always a text cell, never a formula, a number or a link; int, float and Decimal
    are number cells (a Decimal shows its own places: `0.00`); dates are date cells.
    Each sheet has column widths (estimated from the header and the first rows, a
    CJK character counting two), a frozen header row and an A4 print setup."""
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
    bold = workbook.add_format({"bold": True, "bottom": 1, "bg_color": "#EEEEEE"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    integer_format = workbook.add_format({"num_format": "0"})
    place_formats: dict[int, object] = {}

    def decimal_format(places: int):
        if places not in place_formats:
            code = "0." + "0" * places if places else "0"
            place_formats[places] = workbook.add_format({"num_format": code})
        return place_formats[places]

    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.title[:31])
        widths = _sheet_widths(sheet)
        # Column widths and the frozen pane are set before the first row is written
        # (constant-memory mode writes each row out as it goes).
        for c, width in enumerate(widths):
            ws.set_column(c, c, min(max(width + 2, 6), MAX_WIDTH + 2))
        ws.freeze_panes(1, 0)
        _xlsx_page_setup(ws, meta, len(widths))
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
                        ws.write_number(r, c, float(v), decimal_format(_decimal_places(v)))
                    else:
                        ws.write_string(r, c, str(v))
                elif isinstance(v, int):
                    ws.write_number(r, c, v, integer_format)
                elif isinstance(v, float):
                    ws.write_number(r, c, v)
                elif isinstance(v, datetime):
                    ws.write_datetime(r, c, v.replace(tzinfo=None), datetime_format)
                elif isinstance(v, date):
                    ws.write_datetime(r, c, v, date_format)
                else:
                    ws.write_string(r, c, _XML_ILLEGAL.sub("", str(v)))
    workbook.close()
    return buf.getvalue()


# A half-width cell of 10pt text is about 0.2 cm wide; a column gets a little padding.
ODS_CM_PER_CELL = 0.2
ODS_CM_PADDING = 0.3


def ods_column_cm(width: int) -> str:
    return f"{width * ODS_CM_PER_CELL + ODS_CM_PADDING:.2f}cm"


def _ods_page_styles(doc, meta: DocumentMeta | None, landscape: bool):
    """The page of every sheet: A4 (landscape where wide) with the document header
    and 第 x 頁／共 y 頁 in the footer, as the table style's master page."""
    from odf.style import (
        Footer,
        Header,
        MasterPage,
        PageLayout,
        PageLayoutProperties,
        RegionCenter,
        RegionLeft,
        RegionRight,
        Style,
        TableProperties,
    )
    from odf.text import P, PageCount, PageNumber

    layout = PageLayout(name="pm1")
    width, height = ("29.7cm", "21cm") if landscape else ("21cm", "29.7cm")
    layout.addElement(
        PageLayoutProperties(
            pagewidth=width,
            pageheight=height,
            printorientation="landscape" if landscape else "portrait",
            margintop="1.5cm",
            marginbottom="1.5cm",
            marginleft="1.5cm",
            marginright="1.5cm",
        )
    )
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Default", pagelayoutname=layout)
    words = labels()
    if meta is not None:
        header = Header()
        left = RegionLeft()
        left.addElement(P(text=meta.header_left))
        header.addElement(left)
        right = RegionRight()
        right.addElement(P(text=meta.header_right))
        header.addElement(right)
        master.addElement(header)
    footer = Footer()
    if meta is not None and meta.issued:
        region = RegionLeft()
        region.addElement(P(text=meta.issued))
        footer.addElement(region)
    center = RegionCenter()
    p = P(text=words.page_before)
    p.addElement(PageNumber(text="1"))
    p.addText(words.page_between)
    p.addElement(PageCount(text="1"))
    p.addText(words.page_after)
    center.addElement(p)
    footer.addElement(center)
    master.addElement(footer)
    doc.masterstyles.addElement(master)
    table_style = Style(name="ta1", family="table", masterpagename="Default")
    table_style.addElement(TableProperties(display="true", writingmode="lr-tb"))
    doc.automaticstyles.addElement(table_style)
    return table_style


def _ods_frozen_header(doc, names: Sequence[str]) -> None:
    """LibreOffice's view settings for a frozen first row on every sheet
    (VerticalSplitMode 2 = frozen, at row 1; the lower pane active)."""
    from odf.config import (
        ConfigItem,
        ConfigItemMapEntry,
        ConfigItemMapIndexed,
        ConfigItemMapNamed,
        ConfigItemSet,
    )

    view_settings = ConfigItemSet(name="ooo:view-settings")
    views = ConfigItemMapIndexed(name="Views")
    view = ConfigItemMapEntry()
    view.addElement(ConfigItem(name="ViewId", type="string", text="view1"))
    tables = ConfigItemMapNamed(name="Tables")
    for name in names:
        entry = ConfigItemMapEntry(name=name)
        for key, kind, value in (
            ("HorizontalSplitMode", "short", "0"),
            ("VerticalSplitMode", "short", "2"),
            ("HorizontalSplitPosition", "int", "0"),
            ("VerticalSplitPosition", "int", "1"),
            ("ActiveSplitRange", "short", "2"),
            ("PositionLeft", "int", "0"),
            ("PositionRight", "int", "0"),
            ("PositionTop", "int", "0"),
            ("PositionBottom", "int", "1"),
        ):
            entry.addElement(ConfigItem(name=key, type=kind, text=value))
        tables.addElement(entry)
    view.addElement(tables)
    if names:
        view.addElement(ConfigItem(name="ActiveTable", type="string", text=names[0]))
    views.addElement(view)
    view_settings.addElement(views)
    doc.settings.addElement(view_settings)


def write_ods(sheets: Sequence[Sheet], meta: DocumentMeta | None = None) -> bytes:
    """Each sheet with column widths, a frozen header row, number formats that show
    a Decimal's places, and an A4 print page with the document header and page
    numbers."""
    from odf.number import Number, NumberStyle
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import (
        DefaultStyle,
        FontFace,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableRow
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
    bold.addElement(TextProperties(fontweight="bold", fontweightasian="bold"))
    bold.addElement(
        TableCellProperties(backgroundcolor="#eeeeee", borderbottom="0.5pt solid #000000")
    )
    doc.automaticstyles.addElement(bold)
    widths_of = [_sheet_widths(sheet) for sheet in sheets]
    landscape = meta.landscape if meta is not None else False
    landscape = landscape or any(len(w) > 6 for w in widths_of)
    table_style = _ods_page_styles(doc, meta, landscape)
    column_styles: dict[str, object] = {}

    def column_style(width: int):
        size = ods_column_cm(width)
        if size not in column_styles:
            style = Style(name=f"co{len(column_styles) + 1}", family="table-column")
            style.addElement(TableColumnProperties(columnwidth=size, breakbefore="auto"))
            doc.automaticstyles.addElement(style)
            column_styles[size] = style
        return column_styles[size]

    place_styles: dict[int, object] = {}

    def number_cell_style(places: int):
        if places not in place_styles:
            data = NumberStyle(name=f"N{places}")
            data.addElement(Number(decimalplaces=places, minintegerdigits=1))
            doc.automaticstyles.addElement(data)
            style = Style(name=f"ce{places}", family="table-cell", datastylename=data)
            doc.automaticstyles.addElement(style)
            place_styles[places] = style
        return place_styles[places]

    names = []
    for sheet, widths in zip(sheets, widths_of, strict=True):
        table = Table(name=sheet.title[:31], stylename=table_style)
        names.append(sheet.title[:31])
        for width in widths:
            table.addElement(TableColumn(stylename=column_style(width)))
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
                    places = _decimal_places(v) if isinstance(v, Decimal) else 0
                    cell = TableCell(
                        valuetype="float",
                        value=format(v, "f") if isinstance(v, Decimal) else v,
                        stylename=number_cell_style(min(places, 4)),
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
    _ods_frozen_header(doc, names)
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
    widths: Sequence[int] | None = None  # half-width cells; estimated when not given


def _block_widths(block: Block) -> list[int]:
    if block.widths:
        return [int(w) for w in block.widths]
    return column_widths(block.header, [list(r) for r in block.rows])


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


# --- ODT -------------------------------------------------------------------------------

# Table text is 9pt: a half-width cell about 0.175 cm, a CJK character 0.35 cm.
ODT_CM_PER_CELL = 0.175


def _odt_page(doc, meta: DocumentMeta, used: list[str]):
    """A4 (landscape when the document is wide), the document header (city, title,
    cycle, 草案) on every page and 第 x 頁／共 y 頁 in the footer. Returns the text
    width in cm."""
    from odf.style import (
        Footer,
        Header,
        MasterPage,
        PageLayout,
        PageLayoutProperties,
        ParagraphProperties,
        Style,
        TabStop,
        TabStops,
        TextProperties,
    )
    from odf.text import P, PageCount, PageNumber, Tab

    width, height = ("29.7cm", "21cm") if meta.landscape else ("21cm", "29.7cm")
    text_width = 25.7 if meta.landscape else 17.0
    layout = PageLayout(name="pm1")
    layout.addElement(
        PageLayoutProperties(
            pagewidth=width,
            pageheight=height,
            printorientation="landscape" if meta.landscape else "portrait",
            margintop="1.5cm",
            marginbottom="1.5cm",
            marginleft="2cm",
            marginright="2cm",
        )
    )
    doc.automaticstyles.addElement(layout)
    small = Style(name="Header_Footer", family="paragraph", parentstylename="Standard")
    small.addElement(TextProperties(fontsize="8pt", fontsizeasian="8pt", color="#333333"))
    props = ParagraphProperties()
    stops = TabStops()
    stops.addElement(TabStop(position=f"{text_width:.1f}cm", type="right"))
    props.addElement(stops)
    small.addElement(props)
    doc.styles.addElement(small)
    centred = Style(name="Footer_Centre", family="paragraph", parentstylename="Header_Footer")
    centred.addElement(ParagraphProperties(textalign="center"))
    doc.styles.addElement(centred)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header = Header()
    line = P(stylename=small, text=meta.header_left)
    line.addElement(Tab())
    line.addText(meta.header_right)
    header.addElement(line)
    master.addElement(header)
    words = labels()
    footer = Footer()
    p = P(stylename=centred, text=words.page_before)
    p.addElement(PageNumber(selectpage="current", text="1"))
    p.addText(words.page_between)
    p.addElement(PageCount(text="1"))
    p.addText(words.page_after)
    footer.addElement(p)
    master.addElement(footer)
    doc.masterstyles.addElement(master)
    used.extend([meta.header_left, meta.header_right, words.page_text("0123456789", "")])
    return text_width


def write_odt(title: str, blocks: Sequence[Block], meta: DocumentMeta | None = None) -> bytes:
    """A text document in Noto Sans CJK TC, with a subset of that font embedded
    (`exports.fonts`) so it shows TC glyphs where the font is not installed. A4 with
    the document header on every page, page numbers, table columns as wide as their
    names and kinds, the header row repeated on each page, and the signature block
    when `meta.signatures`."""
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        ParagraphProperties,
        Style,
        TableCellProperties,
        TableColumnProperties,
        TableProperties,
        TableRowProperties,
        TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableHeaderRows, TableRow
    from odf.text import H, P

    meta = meta or DocumentMeta(title=title)
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
    title_style = Style(name="Title", family="paragraph", parentstylename="Heading_1")
    title_style.addElement(ParagraphProperties(textalign="center"))
    doc.styles.addElement(title_style)
    centre = Style(name="Centre", family="paragraph", parentstylename="Standard")
    centre.addElement(ParagraphProperties(textalign="center"))
    doc.styles.addElement(centre)
    city_style = Style(name="City", family="paragraph", parentstylename="Centre")
    city_style.addElement(
        TextProperties(
            fontsize="14pt", fontsizeasian="14pt", fontweight="bold", fontweightasian="bold"
        )
    )
    doc.styles.addElement(city_style)
    draft_style = Style(name="Draft_Note", family="paragraph", parentstylename="Centre")
    draft_style.addElement(
        TextProperties(color="#b00000", fontweight="bold", fontweightasian="bold")
    )
    doc.styles.addElement(draft_style)
    cell_text = Style(name="Table_Contents", family="paragraph", parentstylename="Standard")
    cell_text.addElement(TextProperties(fontsize="9pt", fontsizeasian="9pt"))
    doc.styles.addElement(cell_text)
    head_text = Style(name="Table_Heading", family="paragraph", parentstylename="Table_Contents")
    head_text.addElement(TextProperties(fontweight="bold", fontweightasian="bold"))
    doc.styles.addElement(head_text)
    number_text = Style(name="Table_Number", family="paragraph", parentstylename="Table_Contents")
    number_text.addElement(ParagraphProperties(textalign="end"))
    doc.styles.addElement(number_text)
    cell_style = Style(name="cell", family="table-cell")
    cell_style.addElement(TableCellProperties(border="0.5pt solid #777777", padding="0.05cm"))
    doc.automaticstyles.addElement(cell_style)
    head_cell = Style(name="headcell", family="table-cell")
    head_cell.addElement(
        TableCellProperties(
            border="0.5pt solid #777777", padding="0.05cm", backgroundcolor="#eeeeee"
        )
    )
    doc.automaticstyles.addElement(head_cell)

    used: list[str] = [title]  # every piece of text, for the font subset
    text_width = _odt_page(doc, meta, used)
    room = int(text_width / ODT_CM_PER_CELL)
    if meta.city:
        used.append(meta.city)
        doc.text.addElement(P(stylename=city_style, text=meta.city))
    doc.text.addElement(H(outlinelevel=1, stylename=title_style, text=title))
    line = meta.head_line
    if line:
        used.append(line)
        doc.text.addElement(P(stylename=centre, text=line))
    if meta.draft:
        note = labels().draft_note
        used.append(note)
        doc.text.addElement(P(stylename=draft_style, text=note))
    column_styles: dict[str, object] = {}

    def column_style(cm: float):
        size = f"{cm:.2f}cm"
        if size not in column_styles:
            style = Style(name=f"col{len(column_styles) + 1}", family="table-column")
            style.addElement(TableColumnProperties(columnwidth=size))
            doc.automaticstyles.addElement(style)
            column_styles[size] = style
        return column_styles[size]

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
            units, _nowrap = fit_columns(_block_widths(block), room)
            scale = text_width / max(sum(units), 1)
            tstyle = Style(name=f"tab{n}", family="table")
            tstyle.addElement(TableProperties(width=f"{text_width:.2f}cm", align="margins"))
            doc.automaticstyles.addElement(tstyle)
            table = Table(name=f"T{n}", stylename=tstyle)
            for u in units:
                table.addElement(TableColumn(stylename=column_style(u * scale)))
            head_rows = TableHeaderRows()
            tr = TableRow()
            for h in block.header:
                used.append(str(h))
                cell = TableCell(valuetype="string", stylename=head_cell)
                cell.addElement(P(stylename=head_text, text=str(h)))
                tr.addElement(cell)
            head_rows.addElement(tr)
            table.addElement(head_rows)
            rows = list(block.rows) or [[labels().no_rows] + [""] * (len(block.header) - 1)]
            for values in rows:
                tr = TableRow()
                for v in values:
                    text = str(_cell(v))
                    used.append(text)
                    cell = TableCell(valuetype="string", stylename=cell_style)
                    style = number_text if _is_number(v) else cell_text
                    for piece in text.splitlines() or [""]:
                        cell.addElement(P(stylename=style, text=piece))
                    tr.addElement(cell)
                table.addElement(tr)
            doc.text.addElement(table)
    if meta.signatures:
        names = labels().signatures
        used.extend(names)
        sign_cell = Style(name="signcell", family="table-cell")
        sign_cell.addElement(
            TableCellProperties(borderbottom="0.5pt solid #000000", padding="0.1cm")
        )
        doc.automaticstyles.addElement(sign_cell)
        sign_row = Style(name="signrow", family="table-row")
        sign_row.addElement(TableRowProperties(minrowheight="1.8cm"))
        doc.automaticstyles.addElement(sign_row)
        sstyle = Style(name="signatures", family="table")
        sstyle.addElement(
            TableProperties(width=f"{text_width:.2f}cm", align="margins", margintop="0.8cm")
        )
        doc.automaticstyles.addElement(sstyle)
        table = Table(name="Signatures", stylename=sstyle)
        table.addElement(
            TableColumn(
                numbercolumnsrepeated=len(names),
                stylename=column_style(text_width / len(names)),
            )
        )
        tr = TableRow()
        for name in names:
            cell = TableCell(valuetype="string")
            cell.addElement(P(stylename=base, text=name))
            tr.addElement(cell)
        table.addElement(tr)
        tr = TableRow(stylename=sign_row)
        for _name in names:
            cell = TableCell(valuetype="string", stylename=sign_cell)
            cell.addElement(P(stylename=base, text=""))
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


# --- PDF -------------------------------------------------------------------------------

# Table text is 9pt; a half-width cell is taken as 0.55em (digits and Latin letters of
# Noto Sans are 0.5-0.6em; a CJK character is 1em, two cells), cells have 3pt padding.
PDF_TABLE_PT = 9
PDF_PT_PER_CELL = 0.55 * PDF_TABLE_PT
PDF_MARGIN_MM = 15


def _pdf_room(landscape: bool) -> int:
    width_mm = (297 if landscape else 210) - 2 * PDF_MARGIN_MM
    return int(width_mm / 25.4 * 72 / PDF_PT_PER_CELL)


def _pdf_css(meta: DocumentMeta) -> str:
    words = labels()
    page = (
        f"{css_string(words.page_before)} counter(page) {css_string(words.page_between)} "
        f"counter(pages) {css_string(words.page_after)}"
    )
    margin_box = f"font-family:{PDF_FONT_CSS};font-size:8pt;color:#333"
    return (
        f"@page{{size:A4{' landscape' if meta.landscape else ''};"
        f"margin:20mm {PDF_MARGIN_MM}mm 16mm {PDF_MARGIN_MM}mm;"
        f"@top-left{{content:{css_string(meta.header_left)};{margin_box}}}"
        f"@top-right{{content:{css_string(meta.header_right)};{margin_box}}}"
        f"@bottom-left{{content:{css_string(meta.issued)};{margin_box}}}"
        f"@bottom-center{{content:{page};{margin_box}}}}}"
        f"body{{font-family:{PDF_FONT_CSS};font-size:10.5pt;line-height:1.45}}"
        ".doc-head{text-align:center;margin-bottom:10pt}"
        ".doc-head .city{font-size:14pt;font-weight:bold;letter-spacing:.15em;margin:0}"
        "h1{font-size:17pt;margin:2pt 0}h2{font-size:13pt;margin:12pt 0 4pt}"
        "h3{font-size:11.5pt;margin:10pt 0 3pt}h4{font-size:10.5pt;margin:8pt 0 2pt}"
        ".doc-head .line{margin:0;font-size:10pt}"
        ".draft-note{color:#b00000;font-weight:bold;margin:4pt 0 0}"
        "p{margin:0 0 3pt}"
        f"table.data{{border-collapse:collapse;width:100%;table-layout:fixed;"
        f"font-size:{PDF_TABLE_PT}pt;line-height:1.3;margin:2pt 0 8pt}}"
        "thead{display:table-header-group}tr{break-inside:avoid}"
        "table.data th,table.data td{border:.5pt solid #777;padding:2pt 3pt;vertical-align:top;"
        "overflow-wrap:break-word;text-align:left}"
        "table.data th{background:#eee;font-weight:bold}"
        "table.data .nw{white-space:nowrap}table.data td.num{text-align:right}"
        ".draft-mark{position:fixed;top:38%;left:0;width:100%;text-align:center;"
        "font-size:110pt;font-weight:bold;color:rgba(176,0,0,.12);transform:rotate(-24deg);"
        "z-index:-1}"
        ".signatures{width:100%;margin-top:22pt;border-collapse:separate;"
        "border-spacing:16pt 0;table-layout:fixed;break-inside:avoid}"
        ".signatures td{border:0;padding:0 0 2pt;font-size:11pt}"
        ".signatures tr.space td{height:46pt;border-bottom:.7pt solid #000}"
    )


def _pdf_table(block: Block, room: int) -> str:
    from html import escape

    units, nowrap = fit_columns(_block_widths(block), room)
    total = max(sum(units), 1)
    cols = "".join(f'<col style="width:{u / total * 100:.2f}%">' for u in units)
    head = "".join(
        f'<th scope="col"{" class=nw" if nowrap[c] else ""}>{escape(str(h))}</th>'
        for c, h in enumerate(block.header)
    )
    body = []
    for row in block.rows:
        cells = []
        for c, v in enumerate(row):
            classes = " ".join(
                filter(
                    None, ["nw" if c < len(nowrap) and nowrap[c] else "", _is_number(v) and "num"]
                )
            )
            text = escape(str(_cell(v))).replace("\n", "<br>")
            cells.append(f'<td class="{classes}">{text}</td>' if classes else f"<td>{text}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        none = escape(labels().no_rows)
        body.append(f'<tr><td colspan="{max(len(units), 1)}">{none}</td></tr>')
    return (
        f'<table class="data"><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def blocks_to_html(title: str, blocks: Sequence[Block], meta: DocumentMeta | None = None) -> str:
    """The HTML WeasyPrint prints: A4 (landscape where `meta.landscape`) with the
    document header in the top margin of every page, 第 x 頁／共 y 頁 at the foot, a
    草案 mark on every page of a draft, table columns that keep names, kinds and
    points on one line, the header row repeated on each page, and the signature
    block (承辦人、單位主管、機關首長) when `meta.signatures`."""
    from html import escape

    meta = meta or DocumentMeta(title=title)
    words = labels()
    room = _pdf_room(meta.landscape)
    parts = [
        "<!DOCTYPE html><html lang='zh-Hant'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{_pdf_css(meta)}</style></head><body>",
    ]
    if meta.draft:
        parts.append(f'<div class="draft-mark" aria-hidden="true">{escape(words.draft)}</div>')
    parts.append('<header class="doc-head">')
    if meta.city:
        parts.append(f'<p class="city">{escape(meta.city)}</p>')
    parts.append(f"<h1>{escape(title)}</h1>")
    line = meta.head_line
    if line:
        parts.append(f'<p class="line">{escape(line)}</p>')
    if meta.draft:
        parts.append(f'<p class="draft-note">{escape(words.draft_note)}</p>')
    parts.append("</header>")
    for block in blocks:
        if block.kind == "heading":
            lvl = min(max(block.level, 1), 3) + 1
            parts.append(f"<h{lvl}>{escape(block.text)}</h{lvl}>")
        elif block.kind == "paragraph":
            parts.append(
                "".join(f"<p>{escape(line)}</p>" for line in (block.text or "").splitlines())
            )
        elif block.kind == "table":
            parts.append(_pdf_table(block, room))
    if meta.signatures:
        labels_row = "".join(f"<td>{escape(name)}</td>" for name in words.signatures)
        space = "<td></td>" * len(words.signatures)
        parts.append(
            f'<table class="signatures"><tr>{labels_row}</tr><tr class="space">{space}</tr></table>'
        )
    parts.append("</body></html>")
    return "".join(parts)


def sheets_to_pdf(title: str, sheets: Sequence[Sheet], meta: DocumentMeta | None = None) -> bytes:
    blocks: list[Block] = []
    for sheet in sheets:
        blocks.append(Block("heading", sheet.title, level=1))
        blocks.append(
            Block(
                "table",
                header=sheet.header,
                rows=[list(r) for r in sheet.rows],
                widths=sheet.widths,
            )
        )
    return render_pdf(blocks_to_html(title, blocks, meta))
