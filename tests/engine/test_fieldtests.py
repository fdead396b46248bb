"""Engine: call and visit scores, yearly averages, ranks, faults (CITY-8, CITY-9, SPEC §3.2/3.3)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from serviceeval.engine import fieldtests as ft
from serviceeval.engine.program import ChecklistItem, ChecklistPart

SW = ChecklistPart(
    "switchboard",
    "總機",
    Decimal(45),
    (
        ChecklistItem("sw_speed", "接聽速度", Decimal(25)),
        ChecklistItem("sw_courtesy", "禮貌", Decimal(20)),
    ),
)
BIZ = ChecklistPart(
    "business",
    "業務單位",
    Decimal(55),
    (
        ChecklistItem("biz_speed", "接聽速度", Decimal(15)),
        ChecklistItem("biz_courtesy", "禮貌", Decimal(25)),
        ChecklistItem("biz_correct", "正確", Decimal(15)),
    ),
)
PARTS = (SW, BIZ)


def test_part_score_rescales_to_100_city_9():
    assert ft.part_score(Decimal(45), Decimal(45)) == Decimal(100)
    assert ft.part_score(Decimal(27), Decimal(45)) == Decimal(60)


def test_call_score_is_mean_of_tested_parts_city_9():
    # switchboard 36/45 = 80, business 44/55 = 80 → 80; business alone 55/55 = 100
    assert ft.call_score(PARTS, {"switchboard": Decimal(36), "business": Decimal(44)}) == 80
    assert ft.call_score(PARTS, {"business": Decimal(55)}) == 100
    assert ft.call_score(PARTS, {"switchboard": None, "business": Decimal(55)}) == 100


def test_call_score_none_when_no_part_tested_city_9():
    assert ft.call_score(PARTS, {}) is None


def test_untested_part_is_not_zero_city_9():
    only_sw = ft.call_score(PARTS, {"switchboard": Decimal(45)})
    assert only_sw == Decimal(100)


def test_raw_from_items_counts_met_items_only():
    assert ft.raw_from_items(SW, {"sw_speed": True, "sw_courtesy": False}) == Decimal(25)
    assert ft.raw_from_items(BIZ, {}) == Decimal(0)


def test_visit_score_is_points_met_city_8():
    sections = (
        ChecklistPart("a", "A", Decimal(60), (ChecklistItem("a1", "a1", Decimal(60)),)),
        ChecklistPart("b", "B", Decimal(40), (ChecklistItem("b1", "b1", Decimal(40)),)),
    )
    assert ft.visit_score(sections, {"a1": True, "b1": False}) == Decimal(60)


def test_yearly_average_is_the_exact_mean_rounded_once_half_up_city_9():
    """SPEC §3.3: the published figure (2 decimals, half up) is the figure that decides."""
    avgs = ft.yearly_averages(
        [(1, Decimal(90)), (1, Decimal("89.99")), (2, Decimal(85)), (3, Decimal("84.994"))]
    )
    assert {k: str(v) for k, v in avgs.items()} == {1: "90.00", 2: "85.00", 3: "84.99"}
    assert avgs[1] >= 90  # 89.995 is published as 90.00 and reaches 90


def test_published_rounds_the_exact_fraction_not_a_truncated_decimal_city_9():
    from fractions import Fraction

    assert ft.published(Fraction(179990, 2000)) == Decimal("89.995").quantize(Decimal("0.01"))
    assert str(ft.published(Fraction(8999499999, 10**8))) == "89.99"  # 89.99499999
    assert str(ft.published(Fraction(650, 9))) == "72.22"  # 72.222… repeating
    assert ft.published(None) is None


def test_display_rounds_half_up_for_display_only():
    assert ft.display(Decimal("89.995")) == "90.00"
    assert ft.display(None) == "—"


def test_rank_ties_share_rank_spec_3_3():
    ranks = ft.rank(
        {"a": Decimal(95), "b": Decimal(95), "c": Decimal(90), "d": Decimal(90), "e": Decimal(80)}
    )
    assert ranks == {"a": 1, "b": 1, "c": 3, "d": 3, "e": 5}


def test_validate_raw_bounds():
    assert ft.validate_raw(Decimal(45), Decimal(45)) == ""
    assert ft.validate_raw(Decimal(0), Decimal(45)) == ""
    assert ft.validate_raw(Decimal("45.5"), Decimal(45)) != ""
    assert ft.validate_raw(Decimal(-1), Decimal(45)) != ""


def test_common_faults_counts_items_not_met_and_skips_records_without_items():
    records = [
        {"sw_speed": False, "sw_courtesy": True},
        {"sw_speed": False, "sw_courtesy": False},
        {},
    ]
    assert ft.common_faults(records, ["sw_speed", "sw_courtesy"]) == [
        ("sw_speed", 2),
        ("sw_courtesy", 1),
    ]


raws = st.decimals(min_value=0, max_value=45, places=1, allow_nan=False, allow_infinity=False)


@given(sw=raws, biz=st.decimals(min_value=0, max_value=55, places=1))
def test_call_score_between_part_scores_property(sw, biz):
    score = ft.call_score(PARTS, {"switchboard": sw, "business": biz})
    a, b = ft.part_score(sw, SW.max_points), ft.part_score(biz, BIZ.max_points)
    assert min(a, b) <= score <= max(a, b)
    assert 0 <= score <= 100


@given(st.dictionaries(st.integers(0, 20), st.integers(0, 100), min_size=1))
def test_rank_property_ties_and_gaps(values):
    dec = {k: Decimal(v) for k, v in values.items()}
    ranks = ft.rank(dec)
    for k, r in ranks.items():
        assert r == 1 + sum(1 for v in dec.values() if v > dec[k])


def test_mean_of_repeating_call_scores_is_exactly_90_city_9():
    """40/45 and 38.5/45 repeat forever; their calls still average exactly 90 (no digit dropped)."""
    a = ft.call_score(PARTS, {"switchboard": Decimal(40), "business": Decimal(55)})  # 850/9
    b = ft.call_score(PARTS, {"switchboard": Decimal("38.5")})  # 770/9
    avg = ft.yearly_averages([(1, a), (1, b)])[1]
    assert avg == 90
    assert avg >= Decimal(90)
    assert ft.display(avg) == "90.00"
    assert ft.to_decimal(avg) == Decimal(90)


def test_equal_exact_averages_tie_spec_3_3():
    a = ft.call_score(PARTS, {"switchboard": Decimal(40), "business": Decimal(55)})
    b = ft.call_score(PARTS, {"switchboard": Decimal("38.5")})
    c = ft.call_score(PARTS, {"business": Decimal("49.5")})  # 90
    avgs = ft.yearly_averages([("x", a), ("x", b), ("y", c)])
    assert ft.rank(avgs) == {"x": 1, "y": 1}


def test_validate_raw_messages_in_zh_hant_and_english():
    from django.utils import translation

    assert ft.validate_raw(Decimal("45.5"), Decimal(45)) == "須介於 0 與 45 之間"
    assert ft.validate_raw(Decimal("NaN"), Decimal(45)) == "不是數字"
    with translation.override("en"):
        assert ft.validate_raw(Decimal("45.5"), Decimal(45)) == "Must be between 0 and 45."
