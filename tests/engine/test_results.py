"""The results engine (HSC-9, HSC-10, SPEC §3.3): pure Python, Decimal, property tests."""

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from serviceeval.engine.program import Scoring, parse_program
from serviceeval.engine.results import (
    COMPLETE,
    INCOMPLETE,
    AgencyInput,
    aggregate,
    compute_results,
    compute_round,
    rank_within_groups,
    round_total,
)

SPEC = parse_program(
    yaml.safe_load((Path(__file__).parents[2] / "programs/hsinchu-105.yaml").read_text())
)
CATEGORY = SPEC.category("overall")
LEAVES = CATEGORY.leaves()
D = Decimal


def full_scores(reviewer, fraction):
    """Every leaf scored at `fraction` of its max, on the 0.5 step."""
    out = {}
    for leaf in LEAVES:
        raw = leaf.max_points * D(fraction)
        out[(reviewer, leaf.code)] = (raw * 2).to_integral_value() / 2
    return out


def test_mean_is_the_default_aggregation():
    assert aggregate([D(10), D(20), D(30)], SPEC.scoring) == D(20)


def test_median_and_trimmed_mean_are_program_options():
    median = Scoring(aggregation="median")
    trimmed = Scoring(aggregation="trimmed_mean", trim=1)
    assert aggregate([D(1), D(2), D(10)], median) == D(2)
    assert aggregate([D(1), D(2), D(3), D(10)], median) == D("2.5")
    assert aggregate([D(0), D(4), D(6), D(20)], trimmed) == D(5)
    # Too few scores to trim: the plain mean.
    assert aggregate([D(1), D(3)], trimmed) == D(2)


def test_total_is_rounded_half_up_only_at_the_end_hsc9():
    """Three reviewers: every criterion mean is a third; rounding each would differ."""
    scores = {}
    for reviewer, bump in ((1, D(0)), (2, D(0)), (3, D("0.5"))):
        for leaf in LEAVES:
            scores[(reviewer, leaf.code)] = leaf.max_points / 2 + bump
    outcome = compute_round(CATEGORY, [1, 2, 3], scores, SPEC.scoring)
    # Each criterion: max/2 + 1/6; 26 leaves → 500 + 26/6 = 504.333…
    assert outcome.total_exact.quantize(D("1e-12")) == D("504.333333333333")
    assert outcome.total == D("504.33")
    # Rounding each criterion mean first would give 500 + 26 × 0.17 = 504.42.
    assert outcome.total != D(500) + 26 * D("0.17")


def test_round_total_half_up():
    assert round_total(D("799.995"), SPEC.scoring) == D("800.00")
    assert round_total(D("699.994999"), SPEC.scoring) == D("699.99")


def test_grade_is_taken_from_the_rounded_total_hsc9():
    """799.995 rounds to 800.00 → 甲 (A)."""
    assert SPEC.grade_for(round_total(D("799.995"), SPEC.scoring)) == "A"
    assert SPEC.grade_for(D("799.99")) == "B"
    assert SPEC.grade_for(D("700.00")) == "B"
    assert SPEC.grade_for(D("699.99")) == "C"


def test_missing_score_makes_the_agency_incomplete_never_zero():
    scores = full_scores(1, "0.9") | full_scores(2, "0.9")
    del scores[(2, "3.1.1")]
    [result] = compute_results(SPEC, [AgencyInput(1, "1", "overall", (1, 2), scores)])
    assert (result.status, result.total, result.grade, result.rank) == (
        INCOMPLETE,
        None,
        None,
        None,
    )
    assert result.first.missing == ((2, "3.1.1"),)


def test_no_reviewers_is_incomplete():
    [result] = compute_results(SPEC, [AgencyInput(1, "1", "overall", (), {})])
    assert (result.status, result.reasons) == (INCOMPLETE, ["no_reviewers"])


def test_ties_share_a_rank_1_1_3():
    rows = [(1, "g", D(900)), (2, "g", D(900)), (3, "g", D(850)), (4, "h", D(700)), (5, "g", None)]
    assert rank_within_groups(rows, {}) == {1: 1, 2: 1, 3: 3, 4: 1}


def test_tie_break_orders_inside_the_tie_only():
    rows = [(1, "g", D(900)), (2, "g", D(900)), (3, "g", D(900)), (4, "g", D(800))]
    assert rank_within_groups(rows, {2: 0, 1: 1}) == {2: 1, 1: 2, 3: 3, 4: 4}


CITY = parse_program(
    yaml.safe_load((Path(__file__).parents[2] / "programs/city-service-upgrade.yaml").read_text())
)


def test_a_program_without_groups_ranks_each_category_on_its_own_city1():
    """CITY has no groups and two rubrics: overall service is never ranked against
    project planning; each category has its own rank 1."""

    def city_agency(agency_id, category, fraction):
        scores = {
            (1, leaf.code): (leaf.max_points * D(fraction) * 2).to_integral_value() / 2
            for leaf in CITY.category(category).leaves()
        }
        return AgencyInput(agency_id, None, category, (1,), scores)

    results = compute_results(
        CITY,
        [
            city_agency(1, "overall", "0.9"),
            city_agency(2, "overall", "0.7"),
            city_agency(3, "project", "0.8"),
            city_agency(4, "project", "0.95"),
        ],
    )
    assert {r.agency_id: r.rank for r in results} == {1: 1, 2: 2, 3: 2, 4: 1}


def _agency(agency_id, group, fraction, reviewers=(1, 2)):
    scores = {}
    for r in reviewers:
        scores |= full_scores(r, fraction)
    return AgencyInput(agency_id, group, "overall", tuple(reviewers), scores)


def test_re_evaluation_pass_makes_final_grade_b_and_keeps_both_hsc10():
    first = _agency(1, "1", "0.6")
    re_scores = full_scores(7, "0.75")
    item = AgencyInput(1, "1", "overall", first.expected, first.scores, (7,), re_scores)
    [result] = compute_results(SPEC, [item])
    assert (result.grade, result.final_grade, result.re_status) == ("C", "B", "passed")
    assert result.total == D("600.00")
    assert result.re_total == D("750.00")
    assert result.status == COMPLETE


def test_re_evaluation_fail_keeps_c_hsc10():
    first = _agency(1, "1", "0.6")
    item = AgencyInput(
        1, "1", "overall", first.expected, first.scores, (7,), full_scores(7, "0.65")
    )
    [result] = compute_results(SPEC, [item])
    assert (result.grade, result.final_grade, result.re_status) == ("C", "C", "failed")


def test_re_evaluation_not_done_leaves_the_final_grade_open_hsc10():
    [result] = compute_results(SPEC, [_agency(1, "1", "0.6")])
    assert (result.status, result.grade, result.final_grade, result.re_status) == (
        INCOMPLETE,
        "C",
        None,
        "pending",
    )
    assert result.rank == 1  # ranked by its first-round total


def test_re_evaluation_pass_mark_is_inclusive_hsc10():
    first = _agency(1, "1", "0.6")
    item = AgencyInput(1, "1", "overall", first.expected, first.scores, (7,), full_scores(7, "0.7"))
    [result] = compute_results(SPEC, [item])
    assert (result.re_total, result.final_grade) == (D("700.00"), "B")


# --- property tests ------------------------------------------------------------------


def leaf_score(leaf):
    steps = int(leaf.max_points * 2)
    return st.integers(min_value=0, max_value=steps).map(lambda n: D(n) / 2)


@st.composite
def panel_scores(draw, max_reviewers=5):
    n = draw(st.integers(min_value=1, max_value=max_reviewers))
    scores = {}
    for r in range(1, n + 1):
        for leaf in LEAVES:
            scores[(r, leaf.code)] = draw(leaf_score(leaf))
    return n, scores


AGGREGATIONS = [
    Scoring(),
    Scoring(aggregation="median"),
    Scoring(aggregation="trimmed_mean", trim=1),
]


@settings(max_examples=60, deadline=None)
@given(panel_scores(), st.sampled_from(AGGREGATIONS))
def test_totals_never_exceed_the_max(data, scoring):
    n, scores = data
    outcome = compute_round(CATEGORY, range(1, n + 1), scores, scoring)
    assert outcome.total <= SPEC.total_points
    for node in CATEGORY.nodes():
        assert D(0) <= outcome.node_totals[node.code] <= node.max_points


@settings(max_examples=60, deadline=None)
@given(panel_scores(), st.randoms(use_true_random=False), st.sampled_from(AGGREGATIONS))
def test_reviewer_order_does_not_change_the_result(data, rnd, scoring):
    n, scores = data
    order = list(range(1, n + 1))
    rnd.shuffle(order)
    relabel = dict(zip(range(1, n + 1), order, strict=True))
    shuffled = {(relabel[r], c): v for (r, c), v in reversed(list(scores.items()))}
    a = compute_round(CATEGORY, range(1, n + 1), scores, scoring)
    b = compute_round(CATEGORY, order, shuffled, scoring)
    assert (a.total_exact, a.total) == (b.total_exact, b.total)


@settings(max_examples=60, deadline=None)
@given(panel_scores())
def test_rounding_happens_only_at_the_end(data):
    n, scores = data
    outcome = compute_round(CATEGORY, range(1, n + 1), scores, SPEC.scoring)
    exact_sum = sum((sum(scores[(r, leaf.code)] for r in range(1, n + 1)) for leaf in LEAVES), D(0))
    # The total is the exact sum of exact means, rounded once.
    assert outcome.total == round_total(exact_sum / n, SPEC.scoring)
    assert outcome.total == outcome.total_exact.quantize(D("0.01"), rounding="ROUND_HALF_UP")


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=20), min_size=1, max_size=12))
def test_ties_share_a_rank_and_ranks_count_agencies_above(totals):
    rows = [(i, "g", D(t) * 50) for i, t in enumerate(totals)]
    ranks = rank_within_groups(rows, {})
    for i, t in enumerate(totals):
        assert ranks[i] == 1 + sum(1 for u in totals if u > t)
    for i, t in enumerate(totals):
        for j, u in enumerate(totals):
            assert (ranks[i] == ranks[j]) == (t == u)


@pytest.mark.parametrize("fraction,grade", [("0.8", "A"), ("0.75", "B"), ("0.5", "C")])
def test_grade_bands_hsc9(fraction, grade):
    [result] = compute_results(SPEC, [_agency(1, "1", fraction)])
    assert result.grade == grade


@settings(max_examples=60, deadline=None)
@given(panel_scores())
def test_summed_scores_give_the_same_round_as_each_score_hsc9(data):
    """The (sum, count) a database adds up stand for the scores under the mean."""
    n, scores = data
    sums = {}
    for (_reviewer, code), value in scores.items():
        total, count = sums.get(code, (D(0), 0))
        sums[code] = (total + value, count + 1)
    each = compute_round(CATEGORY, range(1, n + 1), scores, SPEC.scoring)
    summed = compute_round(CATEGORY, range(1, n + 1), {}, SPEC.scoring, sums)
    assert summed == each


def test_sums_with_a_gap_or_under_the_median_are_refused():
    sums = {leaf.code: (leaf.max_points, 1) for leaf in LEAVES}
    with pytest.raises(ValueError, match="give the scores"):
        compute_round(CATEGORY, [1, 2], {}, SPEC.scoring, sums)
    with pytest.raises(ValueError, match="mean"):
        compute_round(CATEGORY, [1], {}, Scoring(aggregation="median"), sums)
