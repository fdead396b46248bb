"""Program files are data (SPEC §3); the validator names the node and the problem."""

import copy
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from serviceeval.engine.program import ProgramInvalid, parse_program, summary

PROGRAMS = Path(__file__).resolve().parents[2] / "programs"


def load(name):
    return yaml.safe_load((PROGRAMS / name).read_text(encoding="utf-8"))


def problems_of(data):
    with pytest.raises(ProgramInvalid) as exc:
        parse_program(data)
    return [str(p) for p in exc.value.problems]


HSC7_LEAVES = {
    "1.1.1.1": 60,
    "1.1.1.2": 60,
    "1.1.2.1.1": 20,
    "1.1.2.1.2": 20,
    "1.1.2.2.1": 20,
    "1.1.2.2.2": 20,
    "1.2.1.1": 30,
    "1.2.1.2.1": 20,
    "1.2.1.2.2": 20,
    "1.2.1.3.1": 20,
    "1.2.1.3.2": 10,
    "1.2.2.1.1": 30,
    "1.2.2.1.2": 20,
    "1.2.2.2": 50,
    "2.1.1.1": 20,
    "2.1.1.2": 20,
    "2.1.1.3": 20,
    "2.1.2.1": 25,
    "2.1.2.2": 15,
    "2.2.1.1": 60,
    "2.2.1.2": 40,
    "2.2.2.1": 50,
    "2.2.2.2": 50,
    "3.1.1": 200,
    "3.1.2": 60,
    "3.1.3": 40,
}


def test_hsinchu_program_has_the_hsc7_rubric_with_26_leaves():
    """HSC-7: 1,000 points, 26 leaf criteria with the codes and points of SPEC §3.1."""
    spec = parse_program(load("hsinchu-105.yaml"))
    leaves = spec.category("overall").leaves()
    assert {leaf.code: leaf.max_points for leaf in leaves} == {
        k: Decimal(v) for k, v in HSC7_LEAVES.items()
    }
    assert all(leaf.text for leaf in leaves)
    assert [n.max_points for n in spec.category("overall").rubric] == [400, 300, 300]
    assert summary(spec) == "檢查通過 hsinchu-105 v1：類別 1 個、評核重點 26 項，總分 1000 分"


def test_hsinchu_grade_bands_follow_hsc9():
    """HSC-9: ≥800 甲, 700–800 乙, <700 丙, on the rounded total."""
    spec = parse_program(load("hsinchu-105.yaml"))
    assert spec.grade_for(Decimal("800.00")) == "A"
    assert spec.grade_for(Decimal("799.99")) == "B"
    assert spec.grade_for(Decimal("700.00")) == "B"
    assert spec.grade_for(Decimal("699.99")) == "C"
    assert spec.grade_for(Decimal("0")) == "C"
    assert spec.re_evaluation.pass_mark == Decimal("700")
    assert spec.re_evaluation.pass_grade == "B"


def test_hsinchu_reward_rules_are_data():
    """HSC-11 and HSC-13 are reward rules of known kinds."""
    spec = parse_program(load("hsinchu-105.yaml"))
    assert [(r.rule, r.kind) for r in spec.reward_rules] == [
        ("HSC-11", "grade_rank"),
        ("HSC-13", "milestone_highest"),
    ]


def test_city_program_has_two_categories_with_provisional_points():
    """CITY-1: overall (5 dimensions) and project (4 dimensions), provisional points of SPEC §3.2."""
    spec = parse_program(load("city-service-upgrade.yaml"))
    assert spec.provisional is True
    overall = {n.name: n.max_points for n in spec.category("overall").rubric}
    project = {n.name: n.max_points for n in spec.category("project").rubric}
    assert overall == {
        "基礎服務": 200,
        "服務遞送": 250,
        "服務量能": 200,
        "服務評價": 150,
        "開放創新": 200,
    }
    assert project == {"問題分析": 150, "規劃內容": 250, "推動成效": 400, "開放創新": 200}
    assert [(r.rule, r.kind) for r in spec.reward_rules] == [
        ("CITY-12", "top_n"),
        ("CITY-13", "average_threshold"),
        ("CITY-15", "subsidy"),
    ]


def test_field_test_checklists_follow_spec_defaults():
    """SPEC §3.2: telephone switchboard 45 + business 55; mystery-shopper sections sum to 100."""
    spec = parse_program(load("city-service-upgrade.yaml"))
    assert [(p.code, p.max_points) for p in spec.phone_parts] == [
        ("switchboard", 45),
        ("business", 55),
    ]
    assert sum(s.max_points for s in spec.mystery_sections) == 100


def test_children_not_summing_to_parent_names_the_node():
    data = load("hsinchu-105.yaml")
    data["categories"][0]["rubric"][0]["children"][0]["children"][0]["children"][0][
        "max_points"
    ] = 50
    assert "1.1.1：子節點配分合計 110 不等於上層配分 120" in problems_of(data)


def test_overlapping_grade_bands_are_refused():
    data = load("hsinchu-105.yaml")
    data["grades"][1]["max"] = 850
    assert "grades：等第 B 與 A 區間重疊" in problems_of(data)


def test_gapped_grade_bands_are_refused():
    data = load("hsinchu-105.yaml")
    data["grades"][1]["min"] = 710
    assert "grades：等第 C 與 B 之間有空隙 700–710" in problems_of(data)


def test_unknown_rule_kind_is_refused():
    data = load("hsinchu-105.yaml")
    data["reward_rules"][0]["kind"] = "lottery"
    problems = problems_of(data)
    assert len(problems) == 1
    assert problems[0].startswith("reward_rules[0] (HSC-11)：未知的規則種類「lottery」")


def test_duplicate_codes_are_refused():
    data = load("hsinchu-105.yaml")
    node = data["categories"][0]["rubric"][2]["children"][0]["children"]
    node[1]["code"] = "3.1.1"
    assert "3.1.1：節點代碼重複" in problems_of(data)


def test_negative_points_are_refused():
    data = load("hsinchu-105.yaml")
    data["categories"][0]["rubric"][2]["children"][0]["children"][2]["max_points"] = -40
    assert "3.1.3：配分不可為負數 -40" in problems_of(data)


def test_missing_field_is_named():
    data = load("hsinchu-105.yaml")
    del data["categories"][0]["rubric"][1]["name"]
    del data["total_points"]
    problems = problems_of(data)
    assert "2.name：缺少必填欄位" in problems
    assert "total_points：缺少必填欄位" in problems


@pytest.mark.parametrize(("index", "key"), [(0, "min"), (1, "min"), (1, "max")])
def test_a_grade_band_number_that_does_not_read_is_one_problem_not_five(index, key):
    """No knock-on gap/overlap/unknown-grade lines for the typo already named."""
    data = load("hsinchu-105.yaml")
    data["grades"][index][key] = "八百"
    assert problems_of(data) == [f"grades[{index}].{key}：「八百」不是數字"]


def test_a_leaf_without_its_criterion_text_is_refused():
    """Issue 2: every node has its criterion text; a leaf without one cannot be scored fairly."""
    data = load("hsinchu-105.yaml")
    leaf = data["categories"][0]["rubric"][0]["children"][0]["children"][0]["children"][0]
    assert leaf["code"] == "1.1.1.1"
    leaf["text"] = "   "
    assert problems_of(data) == ["1.1.1.1：評核重點缺少評分說明 text"]


def test_code_that_is_not_its_position_is_refused():
    data = load("hsinchu-105.yaml")
    data["categories"][0]["rubric"][2]["code"] = "4"
    problems = problems_of(data)
    assert "4：代碼應為其位置 3" in problems


def test_leaf_with_children_is_refused():
    data = load("hsinchu-105.yaml")
    data["categories"][0]["rubric"][2]["children"][0]["leaf"] = True
    assert "3.1：評核重點（leaf）不可有子節點" in problems_of(data)


def test_checklist_items_must_sum_to_their_part():
    data = load("hsinchu-105.yaml")
    data["field_tests"]["phone"]["parts"][0]["items"][0]["points"] = 24
    problems = problems_of(data)
    assert problems == ["field_tests.phone.parts[0]：項目配分合計 44 不等於 45"]


def test_outcome_with_unknown_grade_is_refused():
    data = load("hsinchu-105.yaml")
    data["reward_rules"][0]["params"]["outcomes"][0]["grade"] = "S"
    assert problems_of(data) == [
        "reward_rules[0] (HSC-11).params.outcomes[0].grade：等第「S」不在等第區間內"
    ]


def test_every_problem_is_reported_not_just_the_first():
    data = copy.deepcopy(load("hsinchu-105.yaml"))
    data["grades"][1]["min"] = 710
    data["reward_rules"][0]["kind"] = "lottery"
    data["scoring"]["aggregation"] = "mode"
    assert len(problems_of(data)) == 3


def test_problems_speak_english_when_english_is_active():
    from django.utils import translation

    data = load("hsinchu-105.yaml")
    data["grades"][1]["max"] = 850
    with translation.override("en"):
        problems = problems_of(data)
        assert summary(parse_program(load("hsinchu-105.yaml"))) == (
            "OK hsinchu-105 v1: categories 1, criteria 26, total 1000 points"
        )
    assert "grades: Grades B and A overlap." in problems


def test_zh_hant_problems_have_no_english_besides_their_values():
    data = load("hsinchu-105.yaml")
    data["grades"][1]["max"] = 850
    data["scoring"] = {"aggregation": "mode", "step": 0}
    data["categories"][0]["rubric"][0]["children"][0]["code"] = "9.9"
    problems = problems_of(data)
    assert (
        "scoring.aggregation：未知的彙整方式「mode」（可用：mean, median, trimmed_mean）"
        in problems
    )
    values = ("grades", "scoring.aggregation", "scoring.step", "mode", "mean", "median")
    values += ("trimmed_mean", "9.9", "1.1", "B", "A")
    for problem in problems:
        for value in sorted(values, key=len, reverse=True):
            problem = problem.replace(value, "")
        assert not any("a" <= ch.lower() <= "z" for ch in problem), problem
