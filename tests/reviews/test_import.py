"""import_scores: all-or-nothing, one line per bad row; imported sheets are submitted."""

import csv
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import Assignment, PanelMember, Score, Sheet
from serviceeval.reviews.services import conflict_declare
from tests.factories import user_for

from .helpers import score_rows, setup_cycle

pytestmark = pytest.mark.django_db
COLUMNS = ["agency", "reviewer", "criterion", "score", "comment"]


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for _, row in rows:
            w.writerow([row[c] for c in COLUMNS])
    return path


def assert_one_submitted_sheet(capsys, agency, reviewer):
    """What importing score_rows(cycle, agency, reviewer, "0.8") stores."""
    assert capsys.readouterr().out == "匯入完成（初評）：評分表 1 份，分數 26 筆。\n"
    sheet = Sheet.objects.get()
    assert (sheet.status, sheet.imported, sheet.agency, sheet.reviewer) == (
        "submitted",
        True,
        agency,
        reviewer,
    )
    assert sheet.scores.get(criterion="1.1.1.1").score == Decimal("48")
    assert sheet.scores.get(criterion="1.1.1.1").comment == "意見"


def test_import_csv_stores_submitted_sheets(tmp_path, capsys):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    rows = score_rows(cycle, a, r1, "0.8")
    path = write_csv(tmp_path / "s.csv", rows)
    call_command("import_scores", "--cycle", "105", str(path))
    assert_one_submitted_sheet(capsys, a, r1)


def test_import_xlsx_by_agency_name(tmp_path):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    wb = Workbook()
    ws = wb.active
    ws.append(COLUMNS)
    for _, row in score_rows(cycle, b, r2, "0.5"):
        ws.append([b.name, row["reviewer"], row["criterion"], float(row["score"]), ""])
    wb.save(tmp_path / "s.xlsx")
    call_command("import_scores", "--cycle", "105", str(tmp_path / "s.xlsx"))
    assert Score.objects.filter(sheet__agency=b).count() == 26


def test_any_bad_row_rejects_the_whole_file_with_one_line_per_row(tmp_path, capsys):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    conflicted = user_for(Role.REVIEWER, username="conflicted")
    PanelMember.objects.create(cycle=cycle, user=conflicted, role="member")
    Assignment.objects.create(cycle=cycle, reviewer=conflicted, agency=b)
    conflict_declare(cycle=cycle, reviewer=conflicted, agency=b, reason="顧問", actor=conflicted)
    rows = score_rows(cycle, a, r1, "0.8")
    bad = [
        (
            100,
            {
                "agency": "NOPE",
                "reviewer": r1.username,
                "criterion": "1.1.1.1",
                "score": "1",
                "comment": "",
            },
        ),
        (
            101,
            {
                "agency": a.code,
                "reviewer": "ghost",
                "criterion": "1.1.1.1",
                "score": "1",
                "comment": "",
            },
        ),
        (
            102,
            {
                "agency": a.code,
                "reviewer": r2.username,
                "criterion": "9.9",
                "score": "1",
                "comment": "",
            },
        ),
        (
            103,
            {
                "agency": a.code,
                "reviewer": r2.username,
                "criterion": "1.1.1.1",
                "score": "61",
                "comment": "",
            },
        ),
        (
            104,
            {
                "agency": a.code,
                "reviewer": r2.username,
                "criterion": "1.1.1.2",
                "score": "10.3",
                "comment": "",
            },
        ),
        (
            105,
            {
                "agency": b.code,
                "reviewer": "conflicted",
                "criterion": "1.1.1.2",
                "score": "10",
                "comment": "",
            },
        ),
    ]
    path = write_csv(tmp_path / "s.csv", rows + bad)
    with pytest.raises(CommandError) as exc:
        call_command("import_scores", "--cycle", "105", str(path))
    assert str(exc.value) == "匯入失敗，未寫入任何資料（共 6 項錯誤）。"
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [
        "第 28 列：agency「NOPE」不是本年度受評機關",
        "第 29 列：reviewer「ghost」不存在",
        "第 30 列：criterion「9.9」不存在",
        "第 31 列：「score」欄分數 61 超出 0–60",
        "第 32 列：「score」欄分數 10.3 不是 0.5 的倍數",
        "第 33 列：reviewer「conflicted」與受評機關有利益迴避",
    ]
    assert Sheet.objects.count() == 0
    assert Score.objects.count() == 0


def test_unassigned_reviewer_needs_add_reviewers(tmp_path, capsys):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    newcomer = user_for(Role.REVIEWER, username="newcomer")
    path = write_csv(tmp_path / "s.csv", score_rows(cycle, a, newcomer, "0.8"))
    with pytest.raises(CommandError):
        call_command("import_scores", "--cycle", "105", str(path))
    assert "--add-reviewers" in capsys.readouterr().err
    call_command("import_scores", "--cycle", "105", "--add-reviewers", str(path))
    assert Assignment.objects.filter(reviewer=newcomer, agency=a).exists()
    assert PanelMember.objects.get(user=newcomer).role == "member"


def test_reimport_replaces_the_sheets_scores(tmp_path):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    call_command(
        "import_scores",
        "--cycle",
        "105",
        str(write_csv(tmp_path / "1.csv", score_rows(cycle, a, r1, "0.8"))),
    )
    call_command(
        "import_scores",
        "--cycle",
        "105",
        str(write_csv(tmp_path / "2.csv", score_rows(cycle, a, r1, "0.5"))),
    )
    assert Sheet.objects.count() == 1
    assert Score.objects.get(criterion="1.1.1.1").score == Decimal("30")


def test_duplicate_row_is_refused(tmp_path, capsys):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    rows = score_rows(cycle, a, r1, "0.8")
    rows.append((28, dict(rows[0][1])))
    with pytest.raises(CommandError):
        call_command("import_scores", "--cycle", "105", str(write_csv(tmp_path / "s.csv", rows)))
    assert capsys.readouterr().err.strip() == "第 28 列：與第 2 列重複"


def test_unknown_cycle_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("import_scores", "--cycle", "999", str(tmp_path / "x.csv"))
    assert str(exc.value) == "民國 999 年度不存在。"


def test_fast_xlsx_reader_reads_what_openpyxl_reads(tmp_path):
    """The score reader gives the same rows as core.tabular for XLSX files
    written by openpyxl and by our exporter (XlsxWriter)."""
    from serviceeval.core.tabular import read_rows
    from serviceeval.exports.writers import Sheet as OutSheet
    from serviceeval.exports.writers import write_xlsx
    from serviceeval.reviews.tabular import read_score_rows

    wb = Workbook()
    ws = wb.active
    ws.append(["Agency", "reviewer", "criterion", "score", "comment"])
    ws.append(["A1", "r1", "1.1.1.1", 54, " 意見 "])
    ws.append([None, None, None, None, None])
    ws.append(["A1", "r1", "1.1.1.2", 12.5, None])
    ws["G6"] = "stray"
    wb.save(tmp_path / "a.xlsx")
    (tmp_path / "b.xlsx").write_bytes(
        write_xlsx(
            [
                OutSheet(
                    "s",
                    COLUMNS,
                    [
                        ["A1", "r1", "1.1.1.1", Decimal("54.00"), "意見"],
                        ["A1", "r1", "3.1.1", 7, ""],
                    ],
                )
            ]
        )
    )
    for name in ("a.xlsx", "b.xlsx"):
        path = tmp_path / name
        assert read_score_rows(path, ("agency", "score")) == read_rows(path, ("agency", "score"))
    assert read_score_rows(tmp_path / "a.xlsx", ("agency",))[0] == (
        2,
        {
            "agency": "A1",
            "reviewer": "r1",
            "criterion": "1.1.1.1",
            "score": "54",
            "comment": "意見",
            "": "",
        },
    )


def test_import_ods_stores_submitted_sheets(tmp_path, capsys):
    from serviceeval.exports.writers import Sheet as OutSheet
    from serviceeval.exports.writers import write_ods

    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    rows = [
        [row["agency"], row["reviewer"], row["criterion"], Decimal(row["score"]), row["comment"]]
        for _, row in score_rows(cycle, a, r1, "0.8")
    ]
    path = tmp_path / "s.ods"
    path.write_bytes(write_ods([OutSheet("s", COLUMNS, rows)]))
    call_command("import_scores", "--cycle", "105", str(path))
    assert_one_submitted_sheet(capsys, a, r1)


def test_long_export_as_ods_and_xlsx_reimports(tmp_path, capsys):
    """The long score export re-imports from either spreadsheet format."""
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    call_command(
        "import_scores",
        "--cycle",
        "105",
        str(write_csv(tmp_path / "s.csv", score_rows(cycle, a, r1, "0.8"))),
    )
    stored = sorted(Score.objects.values_list("criterion", "score", "comment"))
    for fmt in ("ods", "xlsx"):
        out = tmp_path / f"all.{fmt}"
        call_command("export_scores", "--cycle", "105", str(out))
        Sheet.objects.all().delete()
        call_command("import_scores", "--cycle", "105", str(out))
        assert sorted(Score.objects.values_list("criterion", "score", "comment")) == stored
