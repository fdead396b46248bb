"""Reading score files. CSV goes through `core.tabular.read_rows`; XLSX is read
here by streaming the first worksheet's XML, because openpyxl needs about 25 s
for the 260,000-row national file (SPEC §5: import ≤ 30 s). Same contract as
`core.tabular.read_rows`: (spreadsheet row number, {lower-case header: text}),
empty rows skipped, missing required columns reported on row 1."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from defusedxml.ElementTree import fromstring, iterparse

from serviceeval.core.tabular import TabularError, read_rows

NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def read_score_rows(path: str | Path, required: tuple[str, ...]):
    path = Path(path)
    if path.suffix.lower() != ".xlsx" or not path.exists():
        return read_rows(path, required)
    try:
        with zipfile.ZipFile(path) as zf:
            rows = _xlsx_rows(zf)
    except (zipfile.BadZipFile, KeyError, SyntaxError, ValueError, AttributeError) as exc:
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


def _first_sheet(zf: zipfile.ZipFile) -> str:
    workbook = fromstring(zf.read("xl/workbook.xml"))
    sheet = workbook.find(f"{NS}sheets/{NS}sheet")
    rid = sheet.get(f"{REL_NS}id")
    rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{PKG_REL}Relationship"):
        if rel.get("Id") == rid:
            target = rel.get("Target").lstrip("/")
            return target if target.startswith("xl/") else f"xl/{target}"
    raise KeyError("first worksheet")


def _shared_strings(zf: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in zf.namelist():
        return []
    strings = []
    with zf.open("xl/sharedStrings.xml") as fh:
        for _event, el in iterparse(fh):
            if el.tag == f"{NS}si":
                strings.append("".join(t.text or "" for t in el.iter(f"{NS}t")))
                el.clear()
    return strings


def _number(text: str) -> str:
    if "." not in text and "E" not in text and "e" not in text:
        return str(int(text))
    value = float(text)
    return str(int(value)) if value.is_integer() else str(value)


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _xlsx_rows(zf: zipfile.ZipFile) -> list[tuple[int, list[str]]]:
    shared = _shared_strings(zf)
    rows: list[tuple[int, list[str]]] = []
    row_tag, cell_tag, v_tag, is_tag = f"{NS}row", f"{NS}c", f"{NS}v", f"{NS}is"
    t_tag = f"{NS}t"
    with zf.open(_first_sheet(zf)) as fh:
        next_number = 1
        for _event, el in iterparse(fh):
            if el.tag != row_tag:
                continue
            number = int(el.get("r") or next_number)
            next_number = number + 1
            values: list[str] = []
            for position, cell in enumerate(el.iter(cell_tag)):
                ref = cell.get("r")
                index = _column(CELL_REF.match(ref).group(1)) if ref else position
                kind = cell.get("t")
                if kind == "inlineStr":
                    node = cell.find(is_tag)
                    text = (
                        "".join(t.text or "" for t in node.iter(t_tag)) if node is not None else ""
                    )
                else:
                    v = cell.find(v_tag)
                    raw = v.text if v is not None and v.text is not None else ""
                    if kind == "s":
                        text = shared[int(raw)] if raw else ""
                    elif kind in ("str", "e"):
                        text = raw
                    elif kind == "b":
                        text = "True" if raw == "1" else "False"
                    else:
                        text = _number(raw) if raw else ""
                if index >= len(values):
                    values.extend([""] * (index + 1 - len(values)))
                values[index] = text.strip()
            rows.append((number, values))
            el.clear()
    return rows
