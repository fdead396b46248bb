"""Calibration (SPEC §4): per-reviewer mean, spread, deviation; disagreement flags."""

from decimal import Decimal

from serviceeval.engine.calibration import calibrate
from serviceeval.engine.program import Scoring

D = Decimal
MAX = {"a": D(100), "b": D(10)}


def test_reviewer_mean_spread_and_deviation_are_shares_of_the_max():
    scores = {(1, 7, "a"): D(80), (1, 7, "b"): D(6), (1, 8, "a"): D(60), (1, 8, "b"): D(8)}
    stats, flags = calibrate(scores, MAX, Scoring())
    by = {s.reviewer_id: s for s in stats}
    assert (by[7].n, by[7].mean, by[7].spread, by[7].deviation) == (
        2,
        D("70.00"),
        D("10.00"),
        D("0.00"),
    )
    assert (by[8].mean, by[8].spread, by[8].deviation) == (D("70.00"), D("10.00"), D("0.00"))
    # Panel share on a = 70, on b = 70: reviewer 7 is +10 on a, −10 on b.


def test_a_reviewer_above_the_panel_has_a_positive_deviation():
    scores = {(1, 7, "a"): D(90), (1, 8, "a"): D(70), (1, 9, "a"): D(70)}
    stats, _ = calibrate(scores, MAX, Scoring())
    by = {s.reviewer_id: s.deviation for s in stats}
    assert by == {7: D("13.33"), 8: D("-6.67"), 9: D("-6.67")}


def test_disagreement_beyond_the_margin_is_flagged_with_the_scores_side_by_side():
    scores = {
        (1, 7, "a"): D(90),
        (1, 8, "a"): D(69),
        (1, 7, "b"): D(9),
        (1, 8, "b"): D(7),
        (2, 7, "a"): D(90),
        (2, 8, "a"): D(70),
    }
    _, flags = calibrate(scores, MAX, Scoring(disagreement_margin=D("0.2")))
    assert [(f.agency_id, f.criterion, f.low, f.high, f.scores) for f in flags] == [
        (1, "a", D(69), D(90), ((7, D(90)), (8, D(69)))),
    ]


def test_a_single_reviewer_is_never_flagged():
    _, flags = calibrate({(1, 7, "a"): D(0)}, MAX, Scoring(disagreement_margin=D(0)))
    assert flags == []
