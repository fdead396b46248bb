"""Reading CSV, XLSX and ODS files for the all-or-nothing imports.

`read_rows(path)` yields (row_number, dict) with the header row normalised to
lower-case names; row numbers are as a person sees them in a spreadsheet (the
header is row 1). Every import reads through it (`reviews.tabular.read_score_rows`
is the same function, for the 260,000-row national score file).

CSV files are read as UTF-8 (with or without a byte-order mark) and, failing
that, as CP950 (Big5), the encoding Excel in Taiwan saves "CSV" in. A file that
is neither is refused with a message naming the first bad byte's line.

XLSX and ODS files are read with python-calamine (Rust), the first sheet only. A
cell reads as the former openpyxl reader (`read_only=True, data_only=True`) read it:
the cached value of a formula, whole numbers as `54`, others as `12.5`, dates as
`2026-03-05 00:00:00`, times as `09:15:00`, durations as `1 day, 12:00:00`, booleans
as `True`/`False`, error cells as their text (`#N/A`), text stripped. Every cell is
read, also those outside a wrong <dimension>. calamine refuses entity declarations.

Limits (docs/SECURITY.md), checked before the content is expanded: XLSX and ODS files
are zips, and the central directory says how large each part becomes, so a file that
would expand past MAX_UNCOMPRESSED_BYTES, that packs a part more than
MAX_COMPRESSION_RATIO to 1, or that holds more than MAX_ZIP_MEMBERS parts is
refused before one byte is inflated (Python's zipfile never inflates a part past
its declared size). Then the sheet's XML is scanned (no cell kept) and a sheet of
more than MAX_DATA_ROWS rows is refused before calamine builds its grid; in ODS a
row stands for `table:number-rows-repeated` rows, so a few bytes cannot ask for
millions (LibreOffice's empty trailing repeats read as nothing), and a cell with
content repeated over more than MAX_REPEATED_COLUMNS columns is refused. A CSV file
is refused past the same size and row count. A cell with a NUL character (or, in
XLSX/ODS, a `&#0;`-style reference XML cannot carry) is refused naming its row and
column (PostgreSQL cannot store one; nothing else means one).
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _


def row_label(number: int) -> str:
    """How every import names a row in its messages: 「第 3 列」 (issue 15 item 2)."""
    return _("row %(number)d") % {"number": number}


class TabularError(Exception):
    pass


MB = 1024 * 1024
# The national long-format score export (260,000 rows) expands to about 180 MB.
MAX_UNCOMPRESSED_BYTES = 300 * MB
# Spreadsheet XML deflates about 15 to 1; a bomb about 1,000 to 1. Small parts may
# pack tighter without harm, so the ratio counts from RATIO_FROM_BYTES.
MAX_COMPRESSION_RATIO = 100
RATIO_FROM_BYTES = 1 * MB
MAX_ZIP_MEMBERS = 1_000
# The national score file has 260,000 data rows.
MAX_DATA_ROWS = 400_000


def check_zip(zf: zipfile.ZipFile, name: str) -> None:
    """Refuse a zip (XLSX, ODS, ...) whose central directory promises too much, before
    any part of it is inflated."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise TabularError(
            _("%(name)s holds %(count)s files, more than the limit of %(limit)s; nothing was read")
            % {"name": name, "count": f"{len(infos):,}", "limit": f"{MAX_ZIP_MEMBERS:,}"}
        )
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise TabularError(
            _(
                "%(name)s expands to %(size)s MB, more than the limit of %(limit)s MB; nothing was read"
            )
            % {
                "name": name,
                "size": f"{total // MB:,}",
                "limit": f"{MAX_UNCOMPRESSED_BYTES // MB:,}",
            }
        )
    for info in infos:
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > RATIO_FROM_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise TabularError(
                _(
                    "%(name)s: the part %(part)s is compressed %(ratio)s to 1, more than the "
                    "limit of %(limit)s to 1 (a decompression bomb?); nothing was read"
                )
                % {
                    "name": name,
                    "part": info.filename,
                    "ratio": f"{ratio:,}",
                    "limit": MAX_COMPRESSION_RATIO,
                }
            )


def too_many_rows(name: str, row: int) -> TabularError:
    return TabularError(
        _("%(name)s has more than %(limit)s data rows (row %(row)s); nothing was read")
        % {"name": name, "limit": f"{MAX_DATA_ROWS:,}", "row": f"{row:,}"}
    )


def column_letters(index: int) -> str:
    """Spreadsheet letters of a 0-based column index (0 → A, 26 → AA)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def nul_cell_error(name: str, row: int, header, index: int, *, xml=False) -> TabularError:
    """The message for a NUL in the cell at `row` (spreadsheet number), column `index`
    (0-based); `xml`: the sheet's XML broke there on a character XML cannot carry."""
    column = header[index] if 0 <= index < len(header) and header[index] else None
    params = {"name": name, "row": row, "column": column or column_letters(index)}
    if xml:
        return TabularError(
            _(
                "%(name)s row %(row)d, column “%(column)s”: the cell contains a NUL or another "
                "control character; delete it and save the file again; nothing was read"
            )
            % params
        )
    return TabularError(
        _(
            "%(name)s row %(row)d, column “%(column)s”: the cell contains a NUL character "
            "(code 0); delete it and save the file again; nothing was read"
        )
        % params
    )


def _refuse_nul(name: str, rows: list[list[str]]) -> None:
    for number, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            if "\x00" in value:
                header = [str(h).strip().lower() for h in rows[0]] if number > 1 else []
                raise nul_cell_error(name, number, header, index)


# Tried in order; CP950 is Microsoft's Big5 (the Traditional Chinese code page).
CSV_ENCODINGS = ("utf-8-sig", "cp950")


def decode_text(data: bytes, name: str) -> str:
    """Decode a text file typed in Taiwan: UTF-8 first, then CP950 (Big5).

    Raises TabularError naming the line of the first byte neither can read."""
    first_error = None
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    line = data[: first_error.start].count(b"\n") + 1
    raise TabularError(
        _(
            "%(name)s line %(line)s has characters that are neither UTF-8 nor Big5; save the file as a UTF-8 or Big5 CSV."
        )
        % {"name": name, "line": line}
    )


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_xlsx(path: Path) -> None:
    """The zip limits of an XLSX or ODS file (`check_zip`); a file that is no zip is
    left to the reader, which says it cannot read it."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(zf, path.name)
    except zipfile.BadZipFile:
        return


check_spreadsheet = check_xlsx

# A start tag of a row: `<row ...>` in SpreadsheetML, `<table:table-row ...>` in ODF
# (any prefix); `<rowBreaks>` and `<table:table-rows>` are not rows.
_XLSX_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_ODS_ROW = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?table-row[\s/>]")
_ODS_REPEAT = re.compile(rb'number-rows-repeated\s*=\s*["\'](\d+)')
_ODS_COLUMNS = re.compile(rb'number-columns-repeated\s*=\s*["\'](\d+)')
_ODS_VALUE = re.compile(rb"value-type|<(?:[A-Za-z_][\w.-]*:)?p[\s>]")
# Cells a data row of any import may repeat: wider than this is a grid bomb.
MAX_REPEATED_COLUMNS = 1_024
CHUNK = 1 << 20


def _chunks(fh):
    """The XML of a zip part in pieces that each end before a `<`, so no tag is cut."""
    rest = b""
    while True:
        data = fh.read(CHUNK)
        if not data:
            if rest:
                yield rest
            return
        data = rest + data
        cut = data.rfind(b"<")
        if cut <= 0:
            rest = data
            continue
        yield data[:cut]
        rest = data[cut:]


def _first_xlsx_sheet(zf: zipfile.ZipFile) -> str | None:
    names = sorted(
        (n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
        key=lambda n: int(re.search(r"\d+", n.rsplit("/", 1)[1]).group()),
    )
    return names[0] if names else None


def _count_rows(path: Path, suffix: str) -> dict[tuple[int, int], str]:
    """Refuse a sheet with more than MAX_DATA_ROWS rows before the reader builds its
    grid: a scan of the sheet's XML that keeps no cell. An ODS row may stand for many
    (`table:number-rows-repeated`): the repeats count once a row with content follows
    them or carries content itself (LibreOffice ends every sheet with a million empty
    repeated rows, which read as nothing), and a cell with content repeated across
    more than MAX_REPEATED_COLUMNS columns is refused too.

    Returns the XLSX error cells ({(row, column): "#N/A"}, 0-based): calamine reads
    an error cell as empty, openpyxl read its text, and the import names it."""
    limit = MAX_DATA_ROWS + 1  # and the header
    try:
        with zipfile.ZipFile(path) as zf:
            if suffix == ".xlsx":
                part = _first_xlsx_sheet(zf)
                if part is None:
                    return {}
                rows = 0
                errors: dict[tuple[int, int], str] = {}
                with zf.open(part) as fh:
                    for chunk in _chunks(fh):
                        rows += len(_XLSX_ROW.findall(chunk))
                        if rows > limit:
                            raise too_many_rows(path.name, limit + 1)
                        if b'"e"' in chunk or b"'e'" in chunk:
                            errors.update(_error_cells(chunk))
                return errors
            if "content.xml" not in zf.namelist():
                return {}
            with zf.open("content.xml") as fh:
                rows = 0  # rows up to the last one with content
                pending = 0  # rows since then
                for chunk in _chunks(fh):
                    # each piece from one row start to the next holds that row's cells
                    pieces = _ODS_ROW.split(chunk)
                    rows, pending = _ods_piece(pieces[0], rows, pending, 0, path.name)
                    for piece in pieces[1:]:
                        head = piece.split(b">", 1)[0]
                        repeat = _ODS_REPEAT.search(head)
                        count = int(repeat.group(1)) if repeat else 1
                        rows, pending = _ods_piece(piece, rows, pending, count, path.name)
                    if rows > limit:
                        raise too_many_rows(path.name, limit + 1)
    except zipfile.BadZipFile:
        pass
    return {}


_XLSX_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\s([^>]*)>(?:(?!</(?:[A-Za-z_][\w.-]*:)?c>).)*?"
    rb"<(?:[A-Za-z_][\w.-]*:)?v>([^<]*)<",
    re.S,
)
_ERROR_ATTRS = re.compile(rb"""\bt\s*=\s*["']e["']""")
_REF = re.compile(rb"""\br\s*=\s*["']([A-Za-z]{1,3})(\d+)["']""")


def _error_cells(chunk: bytes) -> dict[tuple[int, int], str]:
    found = {}
    for match in _XLSX_CELL.finditer(chunk):
        attrs = match.group(1)
        if not _ERROR_ATTRS.search(attrs):
            continue
        ref = _REF.search(attrs)
        if ref is None:
            continue
        column = 0
        for ch in ref.group(1).upper():
            column = column * 26 + ch - 64
        found[(int(ref.group(2)) - 1, column - 1)] = match.group(2).decode("utf-8", "replace")
    return found


def _ods_piece(piece: bytes, rows: int, pending: int, count: int, name: str):
    """Add a row piece (`count` rows; 0: the text after the previous row's start)."""
    has_content = bool(_ODS_VALUE.search(piece))
    if has_content:
        for match in _ODS_COLUMNS.finditer(piece):
            if int(match.group(1)) > MAX_REPEATED_COLUMNS:
                # only a cell with content matters; an empty run fills the width
                tail = piece[match.end() : match.end() + 400]
                if _ODS_VALUE.search(tail.split(b"table-cell", 1)[0]):
                    raise TabularError(
                        _(
                            "%(name)s row %(row)s repeats a cell across %(count)s columns, "
                            "more than the limit of %(limit)s; nothing was read"
                        )
                        % {
                            "name": name,
                            "row": f"{rows + pending + 1:,}",
                            "count": f"{int(match.group(1)):,}",
                            "limit": f"{MAX_REPEATED_COLUMNS:,}",
                        }
                    )
    if count == 0:
        if has_content and pending == 0:
            return rows, pending
        if has_content:
            return rows + pending, 0
        return rows, pending
    if has_content:
        return rows + pending + count, 0
    return rows, pending + count


# A character reference to a control character XML 1.0 cannot carry (all below 32
# but tab, line feed and carriage return).
_BAD_REFERENCE = re.compile(
    rb"&#(?:0*(?:[0-8]|1[124-9]|2[0-9]|3[01])|[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F]));"
)


def _with_raw_nuls(path: Path) -> io.BytesIO | None:
    """A copy of the (already size-checked) package with every bad character
    reference written as a raw NUL, or None when there is none."""
    out = io.BytesIO()
    found = False
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith(".xml"):
                data, count = _BAD_REFERENCE.subn(b"\x00", data)
                found = found or bool(count)
            dst.writestr(info, data)
    if not found:
        return None
    out.seek(0)
    return out


def _spreadsheet_value(value) -> str:
    """A cell as the import sees it: a date as a midnight datetime, a whole float as an
    int (`54`), other values as their text."""
    if type(value) is date:
        value = datetime.combine(value, datetime.min.time())
    return _clean(value)


def _read_spreadsheet(path: Path, suffix: str) -> list[list[str]]:
    from python_calamine import CalamineError, CalamineWorkbook

    kind = suffix[1:].upper()
    check_spreadsheet(path)
    errors = _count_rows(path, suffix)
    source = path
    for attempt in (1, 2):
        try:
            with CalamineWorkbook.from_object(source) as wb:
                sheet = wb.get_sheet_by_index(0)
                if sheet.height > MAX_DATA_ROWS + 1:
                    raise too_many_rows(path.name, MAX_DATA_ROWS + 2)
                raw = sheet.to_python(skip_empty_area=False)
            break
        except TabularError:
            raise
        except (CalamineError, ValueError, OSError, IndexError) as exc:
            if attempt == 1 and "character" in str(exc):
                # `&#0;` and the like: XML cannot carry them, calamine stops at the
                # first; read a copy with each as a raw NUL, which names its cell.
                source = _with_raw_nuls(path)
                if source is not None:
                    continue
            raise TabularError(
                _("Cannot read the %(kind)s file %(name)s: %(error)s")
                % {"kind": kind, "name": path.name, "error": exc}
            ) from exc
    rows = [[_spreadsheet_value(v) for v in r] for r in raw]
    for (row, column), text in errors.items():
        if row < len(rows) and column < len(rows[row]) and not rows[row][column]:
            rows[row][column] = text.strip()
    for number, values in enumerate(rows, start=1):
        for index, value in enumerate(values):
            if "\x00" in value:
                header = [h.lower() for h in rows[0]] if number > 1 else []
                raise nul_cell_error(path.name, number, header, index, xml=True)
    return rows


SPREADSHEET_SUFFIXES = (".xlsx", ".ods")


def read_rows(path: str | Path, required: tuple[str, ...]):
    path = Path(path)
    if not path.exists():
        raise TabularError(_("File %(path)s not found.") % {"path": path})
    suffix = path.suffix.lower()
    if suffix == ".csv":
        size = path.stat().st_size
        if size > MAX_UNCOMPRESSED_BYTES:
            raise TabularError(
                _("%(name)s is %(size)s MB, more than the limit of %(limit)s MB; nothing was read")
                % {
                    "name": path.name,
                    "size": f"{size // MB:,}",
                    "limit": f"{MAX_UNCOMPRESSED_BYTES // MB:,}",
                }
            )
        text = decode_text(path.read_bytes(), path.name)
        rows = []
        try:
            for record in csv.reader(io.StringIO(text, newline="")):
                rows.append(record)
                if len(rows) > MAX_DATA_ROWS + 1:
                    raise too_many_rows(path.name, len(rows))
        except csv.Error as exc:
            raise TabularError(
                _("Malformed CSV %(name)s: %(error)s") % {"name": path.name, "error": exc}
            ) from exc
        if "\x00" in text:  # one scan of the text; the cell only when there is one
            _refuse_nul(path.name, rows)
    elif suffix in SPREADSHEET_SUFFIXES:
        rows = _read_spreadsheet(path, suffix)
    else:
        raise TabularError(
            _("Unsupported file type %(suffix)s: use .csv, .xlsx or .ods.")
            % {"suffix": suffix or _("(none)")}
        )
    if not rows:
        raise TabularError(_("The file is empty."))
    header = [_clean(h).lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise TabularError(
            _("Row 1 lacks the columns %(columns)s.") % {"columns": ", ".join(missing)}
        )
    out = []
    for number, raw in enumerate(rows[1:], start=2):
        values = [_clean(v) for v in raw]
        if not any(values):
            continue
        values += [""] * (len(header) - len(values))
        out.append((number, dict(zip(header, values, strict=False))))
    return out
