"""ODS files read through the same calamine reader as XLSX: the cells an import
needs, and a sheet whose `table:number-rows-repeated` asks for millions of rows is
refused before any grid is built."""

import io
import tracemalloc
import zipfile
from decimal import Decimal

import pytest

from serviceeval.core.tabular import MAX_DATA_ROWS, TabularError, read_rows
from serviceeval.exports.writers import Sheet, write_ods, write_xlsx

CELL = b'<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'


def _ods(path, extra_rows=b""):
    data = write_ods(
        [
            Sheet(
                "s",
                [" Agency ", "Score", "comment"],
                [["A1", 54, "意見"], [None, None, None], ["甲", Decimal("12.50"), "=1+1"]],
            )
        ]
    )
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "content.xml":
                content = content.replace(b"</table:table>", extra_rows + b"</table:table>")
            dst.writestr(info, content, zipfile.ZIP_DEFLATED)
    return path


def test_ods_reads_like_xlsx(tmp_path):
    rows = read_rows(_ods(tmp_path / "a.ods"), ("agency", "score"))
    assert rows == [
        (2, {"agency": "A1", "score": "54", "comment": "意見"}),
        (4, {"agency": "甲", "score": "12.5", "comment": "=1+1"}),
    ]
    xlsx = tmp_path / "a.xlsx"
    xlsx.write_bytes(
        write_xlsx(
            [
                Sheet(
                    "s",
                    [" Agency ", "Score", "comment"],
                    [["A1", 54, "意見"], [None, None, None], ["甲", Decimal("12.50"), "=1+1"]],
                )
            ]
        )
    )
    assert read_rows(xlsx, ("agency", "score")) == rows


def test_ods_date_cell_reads_as_a_datetime(tmp_path):
    date_cell = (
        b'<table:table-row><table:table-cell office:value-type="date" '
        b'office:date-value="2026-03-05"><text:p>2026-03-05</text:p></table:table-cell>'
        b"</table:table-row>"
    )
    rows = read_rows(_ods(tmp_path / "d.ods", date_cell), ("agency",))
    assert rows[-1] == (5, {"agency": "2026-03-05 00:00:00", "score": "", "comment": ""})


def test_trailing_empty_repeated_rows_read_as_nothing(tmp_path):
    """LibreOffice ends each sheet with about a million empty repeated rows."""
    trailing = (
        b'<table:table-row table:number-rows-repeated="1048570">'
        b'<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
    )
    assert len(read_rows(_ods(tmp_path / "t.ods", trailing), ("agency",))) == 2


@pytest.mark.parametrize(
    "rows",
    [
        b'<table:table-row table:number-rows-repeated="5000000">' + CELL + b"</table:table-row>",
        b'<table:table-row table:number-rows-repeated="5000000"><table:table-cell/>'
        b"</table:table-row><table:table-row>" + CELL + b"</table:table-row>",
    ],
)
def test_ods_grid_bomb_is_refused_before_the_grid_is_built(tmp_path, rows):
    path = _ods(tmp_path / "bomb.ods", rows)
    assert path.stat().st_size < 10_000
    tracemalloc.start()
    try:
        with pytest.raises(TabularError) as exc:
            read_rows(path, ("agency",))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(exc.value) == (
        f"bomb.ods 超過 {MAX_DATA_ROWS:,} 個資料列（第 {MAX_DATA_ROWS + 2:,} 列），未讀取任何資料"
    )
    assert peak < 20 * 1024 * 1024


def test_ods_cell_repeated_across_columns_is_refused(tmp_path):
    wide = (
        b'<table:table-row><table:table-cell table:number-columns-repeated="16384" '
        b'office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )
    with pytest.raises(TabularError) as exc:
        read_rows(_ods(tmp_path / "wide.ods", wide), ("agency",))
    assert str(exc.value) == (
        "wide.ods 第 5 列有一格重複 16,384 欄，超過上限 1,024 欄，未讀取任何資料"
    )


def test_nul_in_an_ods_cell_names_row_and_column(tmp_path):
    path = _ods(tmp_path / "n.ods")
    with zipfile.ZipFile(path) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["content.xml"] = parts["content.xml"].replace("意見".encode(), b"a&#0;b")
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    with pytest.raises(TabularError) as exc:
        read_rows(path, ("agency",))
    assert str(exc.value) == (
        "n.ods 第 2 列「comment」欄含有 NUL 或其他控制字元，請刪除後重新存檔；未讀取任何資料"
    )
