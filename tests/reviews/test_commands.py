"""export_scores: the long format re-opens and re-imports (byte-for-byte reproducible)."""

import csv
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from serviceeval.reviews.models import Score

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def test_export_scores_csv_reimports_and_xlsx_reopens(tmp_path, capsys):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    score_all(cycle, [(a, r1, "0.9"), (a, r2, "0.8"), (b, r1, "0.7")])
    out = tmp_path / "scores.csv"
    call_command("export_scores", "--cycle", "105", str(out))
    assert capsys.readouterr().out == f"已匯出至 {out}：分數 78 筆。\n"
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 78
    assert rows[0] == {
        "agency": a.code,
        "agency_name": a.name,
        "reviewer": r1.username,
        "reviewer_name": "",
        "round": "first",
        "criterion": "1.1.1.1",
        "score": "54.00",
        "comment": "意見",
        "status": "submitted",
    }
    assert [r["criterion"] for r in rows[:3]] == ["1.1.1.1", "1.1.1.2", "1.1.2.1.1"]
    before = sorted(Score.objects.values_list("sheet__agency_id", "criterion", "score"))
    call_command("import_scores", "--cycle", "105", str(out))
    assert sorted(Score.objects.values_list("sheet__agency_id", "criterion", "score")) == before
    xlsx = tmp_path / "scores.xlsx"
    call_command("export_scores", "--cycle", "105", str(xlsx))
    first = Path(xlsx).read_bytes()
    call_command("export_scores", "--cycle", "105", str(xlsx))
    assert Path(xlsx).read_bytes() == first  # reproducible
    ws = load_workbook(xlsx).active
    values = list(ws.iter_rows(values_only=True))
    assert values[0][:5] == ("agency", "agency_name", "reviewer", "reviewer_name", "round")
    assert values[1][5:8] == ("1.1.1.1", 54, "意見")
    assert len(values) == 79


def test_export_scores_refuses_unknown_format(tmp_path):
    setup_cycle(1, 1)
    with pytest.raises(CommandError) as exc:
        call_command("export_scores", "--cycle", "105", str(tmp_path / "x.pdf"))
    assert str(exc.value) == "請用 .csv、.xlsx 或 .ods。"


def test_compute_results_plain_text(capsys):
    cycle, (a,), (r1,), office = setup_cycle(1, 1)
    score_all(cycle, [(a, r1, "0.9")])
    call_command("compute_results", "--cycle", "105")
    out = capsys.readouterr().out
    assert a.code in out and "total=  900.00" in out and "grade=A" in out


def test_export_scores_ods_reopens(tmp_path):
    """The long format as ODS (ODF for public documents) opens in an ODF reader."""
    from odf.opendocument import load
    from odf.table import Table, TableRow
    from odf.text import P

    cycle, (a,), (r1,), office = setup_cycle(1, 1)
    score_all(cycle, [(a, r1, "0.9")])
    out = tmp_path / "scores.ods"
    call_command("export_scores", "--cycle", "105", str(out))
    doc = load(str(out))
    rows = doc.spreadsheet.getElementsByType(Table)[0].getElementsByType(TableRow)
    assert len(rows) == 27

    def texts(row):
        return ["".join(str(p) for p in cell.getElementsByType(P)) for cell in row.childNodes]

    assert texts(rows[0])[:3] == ["agency", "agency_name", "reviewer"]
    assert texts(rows[1])[5:8] == ["1.1.1.1", "54.00", "意見"]
    assert out.read_bytes()[30:38] == b"mimetype"
