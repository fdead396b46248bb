"""Reading score files. CSV goes through `core.tabular.read_rows`; XLSX is read
here with expat callbacks over the first worksheet's XML. For the 260,000-row
national file (SPEC §5: import ≤ 30 s) openpyxl's read-only mode takes about 40 s
and ElementTree's iterparse through defusedxml (an element for each of the 1.3
million cells) about 14 s; these callbacks take 5–7 s.

Same contract as `core.tabular.read_rows`: (spreadsheet row number, {lower-case
header: text}), empty rows skipped, missing required columns reported on row 1; a
cell reads as openpyxl (`read_only=True, data_only=True`) reads it: the cached value
of a formula, numbers as int or float (`54`, `12.5`), numbers in a date or time
format as `datetime`/`time`/`timedelta` text, booleans as `True`/`False`, rich text
without its phonetic runs (`tests/reviews/test_score_reader.py` compares both
readers). One difference: openpyxl's read-only mode trusts the sheet's <dimension>
and drops the cells outside it; this reader reads every cell.

The XML is parsed as defusedxml parses it: entity declarations and external
references are refused. The zip is checked against `core.tabular`'s limits before any
part is inflated, rows are counted against MAX_DATA_ROWS as they are read, and a sheet
whose XML breaks inside a cell (a NUL or another character XML cannot carry) is
refused naming that row and column."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.parsers import expat

from defusedxml.common import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from serviceeval.core.tabular import (
    MAX_DATA_ROWS,
    TabularError,
    _clean,
    check_zip,
    nul_cell_error,
    read_rows,
    too_many_rows,
)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
NS = "{" + MAIN + "}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"

# expat names with namespace_separator=" ": "<namespace URI> <local name>".
_ROW, _C, _V, _IS, _T, _RPH, _SI = (
    f"{MAIN} {name}" for name in ("row", "c", "v", "is", "t", "rPh", "si")
)


def read_score_rows(path: str | Path, required: tuple[str, ...]):
    path = Path(path)
    if path.suffix.lower() != ".xlsx" or not path.exists():
        return read_rows(path, required)
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(zf, path.name)
            rows = _xlsx_rows(zf, path.name)
    except (
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        SyntaxError,
        ValueError,
        AttributeError,
        TypeError,
        OverflowError,
        expat.ExpatError,
    ) as exc:
        raise TabularError(f"無法讀取 XLSX 檔 {path.name}: {exc} (unreadable XLSX)") from exc
    if not rows:
        raise TabularError("檔案是空的 (empty file)")
    first_number, first = rows[0]
    width = max(len(values) for _n, values in rows)
    header = [h.lower() for h in first] + [""] * (width - len(first))
    missing = [c for c in required if c not in header]
    if missing:
        raise TabularError(f"第 1 列缺少欄位: {', '.join(missing)} (missing columns)")
    out = []
    for number, values in rows[1:]:
        if not any(values):
            continue
        values = values + [""] * (len(header) - len(values))
        out.append((number, dict(zip(header, values, strict=False))))
    return out


def _parser():
    """An expat parser that refuses what defusedxml refuses by default (entity
    declarations, external references; a DOCTYPE alone is allowed)."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def entity_decl(name, is_parameter_entity, value, base, sysid, pubid, notation_name):
        raise EntitiesForbidden(name, value, base, sysid, pubid, notation_name)

    def unparsed_entity_decl(name, base, sysid, pubid, notation_name):
        raise EntitiesForbidden(name, None, base, sysid, pubid, notation_name)

    def external_entity_ref(context, base, sysid, pubid):
        raise ExternalReferenceForbidden(context, base, sysid, pubid)

    parser.EntityDeclHandler = entity_decl
    parser.UnparsedEntityDeclHandler = unparsed_entity_decl
    parser.ExternalEntityRefHandler = external_entity_ref
    parser.buffer_text = True
    parser.buffer_size = 1 << 16
    return parser


def _workbook(zf: zipfile.ZipFile):
    """(path of the first worksheet, date system) from xl/workbook.xml; the date system
    as openpyxl reads `workbookPr/@date1904`."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, WINDOWS_EPOCH

    workbook = fromstring(zf.read("xl/workbook.xml"))
    props = workbook.find(f"{NS}workbookPr")
    flag = props.get("date1904") if props is not None else None
    epoch = CALENDAR_MAC_1904 if flag and flag not in ("false", "f", "0") else WINDOWS_EPOCH
    sheet = workbook.find(f"{NS}sheets/{NS}sheet")
    rid = sheet.get(f"{REL_NS}id")
    rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target").lstrip("/")
            return (target if target.startswith("xl/") else f"xl/{target}"), epoch
    raise KeyError("first worksheet")


def _date_styles(zf: zipfile.ZipFile) -> tuple[set[int], set[int]]:
    """The cell style indexes whose number format is a date or time (and of those, the
    durations), by openpyxl's own reading of styles.xml."""
    if "xl/styles.xml" not in zf.namelist():
        return set(), set()
    from openpyxl.styles.stylesheet import Stylesheet

    stylesheet = Stylesheet.from_tree(fromstring(zf.read("xl/styles.xml")))
    if not stylesheet.cell_styles:
        return set(), set()
    return set(stylesheet.date_formats), set(stylesheet.timedelta_formats)


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    """<si> holds a plain <t> and/or rich-text runs <r><t>; the <t> of a phonetic run
    <rPh> is not text. As openpyxl: the plain text, then the runs, "x005F_" removed."""
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    strings: list[str] = []
    plain: list[str] = []
    runs: list[str] = []
    buffer = None
    depth = phonetic = 0  # depth below <si>; inside <rPh>

    def start(name, attrs):
        nonlocal buffer, depth, phonetic
        if name == _SI:
            plain.clear()
            runs.clear()
            depth = phonetic = 0
            return
        depth += 1
        if name == _T:
            if not phonetic:
                buffer = plain if depth == 1 else runs
        elif name == _RPH:
            phonetic += 1

    def end(name):
        nonlocal buffer, depth, phonetic
        if name == _SI:
            strings.append(("".join(plain) + "".join(runs)).replace("x005F_", ""))
            return
        depth -= 1
        if name == _T:
            buffer = None
        elif name == _RPH:
            phonetic -= 1

    def data(text):
        if buffer is not None:
            buffer.append(text)

    parser = _parser()
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    with zf.open("xl/sharedStrings.xml") as fh:
        parser.ParseFile(fh)
    return strings


def _column(letters: str) -> int:
    """1-based column of a cell reference's letters (A → 1, AA → 27), as openpyxl."""
    if not (letters.isascii() and letters.isalpha() and len(letters) <= 3):
        raise ValueError(f"「{letters}」不是欄位代號 (not a cell reference)")
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _cast_number(text: str):
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _sheet_handlers(shared, date_styles, timedelta_styles, epoch, rows, file_name):
    """Expat callbacks that append (row number, [cell text, ...]) to `rows` for each
    <row>, and a function telling (row number, 1-based column) where the parser is.
    Closures over local state: this runs 7 callbacks for each of 1.3 million cells of
    the national file."""
    number = 0  # the current row's number
    values: list[str] = []
    column = 0  # 1-based column of the current cell
    kind = "n"
    style = 0
    value = None  # the current cell's <v> text
    buffer = None  # a list collecting character data, or None
    inline = None  # the plain text of the cell's <is>, or None without one
    runs: list[str] = []  # the rich-text runs of the cell's <is>
    depth = 0  # depth below <is>; 0 outside one
    phonetic = 0  # inside <rPh> (phonetic runs are not text)
    letters_to_column: dict[str, int] = {}

    def start(name, attrs):
        nonlocal number, values, column, kind, style, value, buffer, inline, runs, depth
        nonlocal phonetic
        if name == _C:
            ref = attrs.get("r")
            if ref:
                letters = ref.rstrip("0123456789")
                column = letters_to_column.get(letters) or letters_to_column.setdefault(
                    letters, _column(letters)
                )
            else:
                column += 1
            kind = attrs.get("t", "n")
            style = attrs.get("s", 0)
            if style:
                style = int(style)
            value = inline = None
        elif depth:
            depth += 1
            if name == _T:
                if not phonetic:
                    buffer = inline if depth == 2 else runs
            elif name == _RPH:
                phonetic += 1
        elif name == _V:
            buffer = []
        elif name == _IS:
            inline, runs, depth, phonetic = [], [], 1, 0
        elif name == _ROW:
            ref = attrs.get("r")
            number = _row_number(ref) if ref else number + 1
            values = []
            column = 0

    def end(name):
        nonlocal value, buffer, depth, phonetic
        if name == _C:
            if kind == "inlineStr":  # as openpyxl: the <is> text, never a <v>
                text = "" if inline is None else ("".join(inline) + "".join(runs)).strip()
            elif not value:
                text = ""
            elif kind == "s":
                text = shared[int(value)]
            else:
                if kind == "n":
                    cell = _cast_number(value)
                    if style in date_styles:
                        cell = _from_excel(cell, epoch, style in timedelta_styles)
                elif kind == "b":
                    cell = bool(int(value))
                elif kind == "d":
                    cell = _from_iso8601(value)
                else:  # "str" (a formula's text), "e" (an error such as #N/A)
                    cell = value
                text = _clean(cell)
            if column == len(values) + 1:
                values.append(text)
            else:
                if column > len(values):
                    values.extend([""] * (column - len(values)))
                values[column - 1] = text
        elif depth:
            depth -= 1
            if name == _T:
                buffer = None
            elif name == _RPH:
                phonetic -= 1
        elif name == _V:
            value = "".join(buffer)
            buffer = None
        elif name == _ROW:
            rows.append((number, values))
            if len(rows) > limit:
                raise too_many_rows(file_name, number)

    def data(text):
        if buffer is not None:
            buffer.append(text)

    def where():
        return number, column

    limit = MAX_DATA_ROWS + 1  # and the header
    return start, end, data, where


def _row_number(ref: str) -> int:
    try:
        return int(ref)
    except ValueError:
        number = float(ref)
        if not number.is_integer():
            raise ValueError(f"{ref} is not a valid row number") from None
        return int(number)


def _from_excel(value, epoch, timedelta: bool):
    from openpyxl.utils.datetime import from_excel

    try:
        return from_excel(value, epoch, timedelta=timedelta)
    except (OverflowError, ValueError):
        return "#VALUE!"  # openpyxl: a date serial outside the calendar reads as an error


def _from_iso8601(text: str):
    from openpyxl.utils.datetime import from_ISO8601

    return from_ISO8601(text)


def _xlsx_rows(zf: zipfile.ZipFile, name: str = "") -> list[tuple[int, list[str]]]:
    sheet, epoch = _workbook(zf)
    date_styles, timedelta_styles = _date_styles(zf)
    rows: list[tuple[int, list[str]]] = []
    parser = _parser()
    start, end, data, where = _sheet_handlers(
        [text.strip() for text in _shared_strings(zf)],
        date_styles,
        timedelta_styles,
        epoch,
        rows,
        name,
    )
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = data
    with zf.open(sheet) as fh:
        try:
            parser.ParseFile(fh)
        except expat.ExpatError as exc:
            number, column = where()
            if exc.code not in _BAD_CHARACTER or not column:
                raise
            header = [h.lower() for h in rows[0][1]] if rows and rows[0][0] < number else []
            raise nul_cell_error(name, number, header, column - 1, xml=True) from exc
    return rows


# A raw NUL (or another control character) is an invalid token; `&#0;` a bad reference.
_BAD_CHARACTER = {
    expat.errors.codes[expat.errors.XML_ERROR_INVALID_TOKEN],
    expat.errors.codes[expat.errors.XML_ERROR_BAD_CHAR_REF],
}
