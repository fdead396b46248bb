"""Issue 13: a conflict of interest (declared, recorded by the office or automatic)
keeps that reviewer's sheet for that agency out of results, calibration, the
feedback report (scores and comments) and marks it `conflict` in the export; the
sheet is kept and comes back when the conflict is waived with a reason."""

import pytest

from serviceeval.reviews.models import Conflict, Sheet
from serviceeval.reviews.selectors.calibration import first_round_scores, first_round_sheets
from serviceeval.reviews.selectors.feedback import feedback_report
from serviceeval.reviews.services import (
    conflict_declare,
    conflict_waive,
    long_format_rows,
    results_json,
)

from .helpers import score_rows, setup_cycle

pytestmark = pytest.mark.django_db


def scored_with_a_conflict():
    from serviceeval.reviews.services import scores_import

    cycle, (a,), (r1, r2), office = setup_cycle(1, 2)
    rows = score_rows(cycle, a, r1, "0.9", comment="說明清楚")
    rows += score_rows(cycle, a, r2, "0.5", start=len(rows) + 2, comment="委員乙的意見")
    assert scores_import(cycle=cycle, rows=rows).errors == []
    conflict_declare(cycle=cycle, reviewer=r2, agency=a, reason="曾任該機關顧問", actor=office)
    return cycle, a, r1, r2, office


def test_the_conflicted_reviewer_is_out_of_every_surface():
    cycle, a, r1, r2, office = scored_with_a_conflict()
    assert Sheet.objects.filter(cycle=cycle, agency=a, reviewer=r2).exists()  # kept
    [row] = results_json(cycle)
    assert (row["status"], row["total"]) == ("complete", "900.00")  # r1 alone
    assert {r for _a, r, _c in first_round_scores(cycle)} == {r1.pk}
    sheets, _cells = first_round_sheets(cycle, a.pk)
    assert [s.reviewer for s in sheets] == [r1]
    report = feedback_report(office, cycle=cycle, agency_id=a.pk)
    comments = [c for row in report["rows"] for c in row["comments"]]
    assert "說明清楚" in comments and "委員乙的意見" not in comments
    statuses = {(r[2], r[-1]) for r in long_format_rows(cycle)}
    assert statuses == {(r1.username, "submitted"), (r2.username, "conflict")}


def test_a_waived_conflict_brings_the_sheet_back():
    cycle, a, r1, r2, office = scored_with_a_conflict()
    from serviceeval.reviews.services import assign

    conflict_waive(conflict=Conflict.objects.get(), reason="已離職逾三年", actor=office)
    assign(cycle=cycle, reviewer=r2, agency=a, actor=office)
    [row] = results_json(cycle)
    assert row["total"] == "700.00"  # the mean of 900 and 500
    assert {r for _a, r, _c in first_round_scores(cycle)} == {r1.pk, r2.pk}
    assert {r[-1] for r in long_format_rows(cycle)} == {"submitted"}
    report = feedback_report(office, cycle=cycle, agency_id=a.pk)
    assert "委員乙的意見" in [c for row in report["rows"] for c in row["comments"]]
