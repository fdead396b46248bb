"""Reading CSV/XLSX files for the all-or-nothing imports.

`read_rows(path)` yields (row_number, dict) with the header row normalised to
lower-case names; row numbers are as a person sees them in a spreadsheet (the
header is row 1).

CSV files are read as UTF-8 (with or without a byte-order mark) and, failing
that, as CP950 (Big5), the encoding Excel in Taiwan saves "CSV" in. A file that
is neither is refused with a message naming the first bad byte's line.

Limits (docs/SECURITY.md), checked before the content is expanded: an XLSX file is
a zip, and its central directory says how large each part becomes, so a file that
would expand past MAX_UNCOMPRESSED_BYTES, that packs a part more than
MAX_COMPRESSION_RATIO to 1, or that holds more than MAX_ZIP_MEMBERS parts is
refused before one byte is inflated (Python's zipfile never inflates a part past
its declared size). A CSV file is refused past the same size, and any file past
MAX_DATA_ROWS rows, counted while reading. A cell with a NUL character is refused
naming its row and column (PostgreSQL cannot store one; nothing else means one).
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from django.utils.translation import gettext as _


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
        f"{name} 第 {line} 行含有無法辨識的字元，請另存為 UTF-8 或 Big5 編碼的 CSV "
        f"(line {line}: not UTF-8 nor Big5/CP950 text; save the file as UTF-8 CSV)"
    )


def _clean(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def check_xlsx(path: Path) -> None:
    """The zip limits of an XLSX file (`check_zip`); a file that is no zip is left to
    the reader, which says it cannot read it."""
    try:
        with zipfile.ZipFile(path) as zf:
            check_zip(zf, path.name)
    except zipfile.BadZipFile:
        return


def read_rows(path: str | Path, required: tuple[str, ...]):
    path = Path(path)
    if not path.exists():
        raise TabularError(f"找不到檔案 {path} (file not found)")
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
            raise TabularError(f"CSV 格式錯誤 {path.name}: {exc} (malformed CSV)") from exc
        if "\x00" in text:  # one scan of the text; the cell only when there is one
            _refuse_nul(path.name, rows)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        check_xlsx(path)
        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise TabularError(f"無法讀取 XLSX 檔 {path.name}: {exc} (unreadable XLSX)") from exc
        try:
            ws = wb.worksheets[0]
            rows = []
            for r in ws.iter_rows(values_only=True):
                rows.append([_clean(v) for v in r])
                if len(rows) > MAX_DATA_ROWS + 1:
                    raise too_many_rows(path.name, len(rows))
        except TabularError:
            raise
        except Exception as exc:  # a part that is not well-formed XML, found while reading
            raise TabularError(f"無法讀取 XLSX 檔 {path.name}: {exc} (unreadable XLSX)") from exc
        finally:
            wb.close()
        _refuse_nul(path.name, rows)
    else:
        raise TabularError(
            f"不支援的檔案格式 {suffix or '(none)'}，請用 .csv 或 .xlsx (use .csv or .xlsx)"
        )
    if not rows:
        raise TabularError("檔案是空的 (empty file)")
    header = [_clean(h).lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise TabularError(f"第 1 列缺少欄位: {', '.join(missing)} (missing columns)")
    out = []
    for number, raw in enumerate(rows[1:], start=2):
        values = [_clean(v) for v in raw]
        if not any(values):
            continue
        values += [""] * (len(header) - len(values))
        out.append((number, dict(zip(header, values, strict=False))))
    return out
