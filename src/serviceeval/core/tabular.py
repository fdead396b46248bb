"""Reading CSV/XLSX files for the all-or-nothing imports.

`read_rows(path)` yields (row_number, dict) with the header row normalised to
lower-case names; row numbers are as a person sees them in a spreadsheet (the
header is row 1).

CSV files are read as UTF-8 (with or without a byte-order mark) and, failing
that, as CP950 (Big5), the encoding Excel in Taiwan saves "CSV" in. A file that
is neither is refused with a message naming the first bad byte's line.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path


class TabularError(Exception):
    pass


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


def read_rows(path: str | Path, required: tuple[str, ...]):
    path = Path(path)
    if not path.exists():
        raise TabularError(f"找不到檔案 {path} (file not found)")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        text = decode_text(path.read_bytes(), path.name)
        try:
            rows = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error as exc:
            raise TabularError(f"CSV 格式錯誤 {path.name}: {exc} (malformed CSV)") from exc
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise TabularError(f"無法讀取 XLSX 檔 {path.name}: {exc} (unreadable XLSX)") from exc
        ws = wb.worksheets[0]
        rows = [[_clean(v) for v in r] for r in ws.iter_rows(values_only=True)]
        wb.close()
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
