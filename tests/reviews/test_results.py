"""Results, publication, re-evaluation, carry-over, exclusions, tie-breaks
(HSC-9, HSC-10, HSC-11, SPEC §3.3)."""

import json
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from serviceeval.core.models import AuditEvent
from serviceeval.cycles.models import CarryOver
from serviceeval.reviews.models import Result
from serviceeval.reviews.selectors import results_for_cycle
from serviceeval.reviews.services import (
    ReviewError,
    assign,
    exclusion_add,
    publish_results,
    results_json,
    scores_import,
    tie_break_record,
    unfreeze_results,
)
from tests.factories import make_cycle

from .helpers import score_all, score_rows, setup_cycle

pytestmark = pytest.mark.django_db
D = Decimal


def test_compute_results_json_has_the_contract_fields_then_the_additions(capsys):
    """Issue 4's fields exactly as named, then category and the grades in words."""
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    score_all(cycle, [(a, r1, "0.9"), (a, r2, "0.8"), (b, r1, "0.8")])
    call_command("compute_results", "--cycle", "105", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data == [
        {
            "agency": a.code,
            "name": a.name,
            "group": "1",
            "status": "complete",
            "total": "850.00",
            "grade": "A",
            "final_grade": "A",
            "rank": 1,
            "category": "overall",
            "grade_name": "甲等",
            "final_grade_name": "甲等",
        },
        {
            "agency": b.code,
            "name": b.name,
            "group": "1",
            "status": "incomplete",
            "total": None,
            "grade": None,
            "final_grade": None,
            "rank": None,
            "category": "overall",
            "grade_name": None,
            "final_grade_name": None,
        },
    ]


def test_publish_is_refused_while_incomplete_with_the_reason():
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    score_all(cycle, [(a, r1, "0.9"), (a, r2, "0.8"), (b, r1, "0.8")])
    with pytest.raises(CommandError) as exc:
        call_command("publish_results", "--cycle", "105")
    assert f"尚有機關評分未完成，不可公布：{b.name}" in str(exc.value)
    cycle.refresh_from_db()
    assert cycle.results_published_at is None
    assert Result.objects.count() == 0


def test_exclusion_with_reason_completes_an_agency():
    """SPEC §3.3: the office excludes a reviewer's missing scores, with a reason."""
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    score_all(cycle, [(a, r1, "0.9"), (a, r2, "0.8"), (b, r1, "0.8")])
    with pytest.raises(ReviewError):
        exclusion_add(cycle=cycle, agency=b, reviewer=r2, reason="", actor=office)
    exclusion_add(cycle=cycle, agency=b, reviewer=r2, reason="委員因病未能評分", actor=office)
    rows = {r["agency"]: r for r in results_json(cycle)}
    assert (rows[b.code]["status"], rows[b.code]["total"]) == ("complete", "800.00")


def test_publication_freezes_a_snapshot_hsc9(capsys):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    score_all(cycle, [(a, r1, "0.9"), (a, r2, "0.8"), (b, r1, "0.75"), (b, r2, "0.75")])
    call_command("publish_results", "--cycle", "105")
    cycle.refresh_from_db()
    assert cycle.results_published_at is not None
    # Later imports are refused; the published figures stay.
    report = scores_import(cycle=cycle, rows=score_rows(cycle, b, r1, "0.1"))
    assert report.errors == ["成績已公布並凍結，不可匯入。"]
    result = Result.objects.get(agency=b)
    assert (result.total, result.grade, result.rank) == (D("750.00"), "B", 2)
    assert result.detail["nodes"]["1"] == "300.00"
    rows = {r.agency_id: r for r in results_for_cycle(cycle)}
    assert (rows[a.pk].total, rows[a.pk].grade, rows[a.pk].rank) == (D("850.00"), "A", 1)


def test_unfreeze_needs_a_reason_and_is_logged():
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9"), (b, r1, "0.8")])
    publish_results(cycle=cycle, actor=office)
    with pytest.raises(ReviewError):
        unfreeze_results(cycle=cycle, reason=" ", actor=office)
    unfreeze_results(cycle=cycle, reason="發現計分錯誤", actor=office)
    cycle.refresh_from_db()
    assert cycle.results_published_at is None
    assert Result.objects.count() == 0
    assert AuditEvent.objects.get(action="results_unfrozen").reason == "發現計分錯誤"


def test_re_evaluation_round_never_overwrites_the_first_and_both_grades_are_kept_hsc10():
    cycle, (a, b, c), (r1, r2), office = setup_cycle(3, 2)
    score_all(
        cycle,
        [
            (a, r1, "0.6"),
            (a, r2, "0.6"),
            (b, r1, "0.6"),
            (b, r2, "0.6"),
            (c, r1, "0.9"),
            (c, r2, "0.9"),
        ],
    )
    rows = {r["agency"]: r for r in results_json(cycle)}
    assert (rows[a.code]["grade"], rows[a.code]["status"], rows[a.code]["final_grade"]) == (
        "C",
        "incomplete",
        None,
    )
    for agency in (a, b):
        assign(cycle=cycle, reviewer=r1, agency=agency, actor=office, round="re-evaluation")
    score_all(cycle, [(a, r1, "0.72"), (b, r1, "0.65")], round="re-evaluation")
    rows = {r["agency"]: r for r in results_json(cycle)}
    assert rows[a.code] == {
        "agency": a.code,
        "name": a.name,
        "group": "1",
        "status": "complete",
        "total": "600.00",
        "grade": "C",
        "final_grade": "B",
        "rank": 2,
        "category": "overall",
        "grade_name": "丙等",
        "final_grade_name": "乙等",
    }
    assert (rows[b.code]["grade"], rows[b.code]["final_grade"]) == ("C", "C")
    assert rows[c.code]["rank"] == 1


def test_failed_re_evaluation_carries_the_agency_over_on_publish_hsc11():
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.6"), (b, r1, "0.9")])
    assign(cycle=cycle, reviewer=r1, agency=a, actor=office, round="re-evaluation")
    score_all(cycle, [(a, r1, "0.65")], round="re-evaluation")
    publish_results(cycle=cycle, actor=office)
    carry = CarryOver.objects.get()
    assert (carry.agency, carry.from_cycle) == (a, cycle)
    assert carry.reason == "民國105年度考列丙等且未通過複評 (HSC-11)"
    nxt = make_cycle(year=106, groups=["2"])
    assert nxt.participants.get(agency=a).reason == "carry_over"


def _failing_c(office_opens_next_first=True):
    """Agency a is 丙 and fails re-evaluation; b is 甲. Next year's cycle (group 2
    only, so neither agency by rotation) is opened before publication."""
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.6"), (b, r1, "0.9")])
    assign(cycle=cycle, reviewer=r1, agency=a, actor=office, round="re-evaluation")
    score_all(cycle, [(a, r1, "0.65")], round="re-evaluation")
    nxt = make_cycle(year=106, groups=["2"]) if office_opens_next_first else None
    return cycle, a, b, office, nxt


def test_carry_over_joins_next_years_cycle_already_opened_hsc11(capsys):
    """HSC-11: next year's cycle was opened before publication; on publish the failing
    丙 joins it (reason carry_over, its roster copied) and the office is told by name."""
    from serviceeval.agencies.models import Person

    cycle, a, b, office, nxt = _failing_c()
    Person.objects.create(agency=a, role="head", name="王大明")
    assert not nxt.participants.filter(agency=a).exists()
    call_command("publish_results", "--cycle", "105")
    out = capsys.readouterr().out
    assert f"已將 {a.name} 加入民國106年度考核（續評，HSC-11）" in out
    joined = nxt.participants.get(agency=a)
    assert (joined.reason, joined.note) == (
        "carry_over",
        "民國105年度考列丙等且未通過複評 (HSC-11)",
    )
    assert not nxt.participants.filter(agency=b).exists()
    assert Person.objects.filter(agency=a, cycle=nxt, name="王大明").exists()
    assert AuditEvent.objects.filter(action="carry_over_added").exists()
    # Unfreezing takes the agency out of the next cycle again (nothing scored there yet).
    unfreeze_results(cycle=cycle, reason="更正評分", actor=office)
    assert not nxt.participants.filter(agency=a).exists()
    assert not CarryOver.objects.exists()


def test_carry_over_into_a_cycle_that_started_scoring_is_named_not_silent_hsc11(capsys):
    from serviceeval.cycles.selectors import carry_over_owed
    from serviceeval.cycles.services import cycle_mark_scoring_started

    cycle, a, b, office, nxt = _failing_c()
    cycle_mark_scoring_started(cycle=nxt)
    call_command("publish_results", "--cycle", "105")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "已公布並凍結民國 105 年度成績（共 2 個機關）。",
        f"民國106年度考核已開始評分，{a.name} 未能自動加入，請承辦單位處理。",
    ]
    assert not nxt.participants.filter(agency=a).exists()
    nxt.refresh_from_db()
    assert [co.agency for co in carry_over_owed(nxt)] == [a]


def test_carry_over_still_joins_a_cycle_created_after_publication_hsc11():
    from serviceeval.cycles.selectors import carry_over_owed

    cycle, a, b, office, _ = _failing_c(office_opens_next_first=False)
    publication = publish_results(cycle=cycle, actor=office)
    assert publication.carry_over.next_cycle is None
    assert {r.agency_id for r in publication.results} == {a.pk, b.pk}
    nxt = make_cycle(year=106, groups=["2"])
    assert nxt.participants.get(agency=a).reason == "carry_over"
    assert carry_over_owed(nxt) == []


def test_tie_break_decision_with_reason_orders_tied_agencies():
    cycle, (a, b, c), (r1,), office = setup_cycle(3, 1)
    assign_all = [(a, r1, "0.8"), (b, r1, "0.8"), (c, r1, "0.7")]
    score_all(cycle, assign_all)
    ranks = {r["agency"]: r["rank"] for r in results_json(cycle)}
    assert ranks == {a.code: 1, b.code: 1, c.code: 3}
    with pytest.raises(ReviewError):
        tie_break_record(cycle=cycle, agency_ids=[a.pk, c.pk], reason="x", actor=office)
    tie_break_record(
        cycle=cycle, agency_ids=[b.pk, a.pk], reason="創新服務項目得分較高", actor=office
    )
    ranks = {r["agency"]: r["rank"] for r in results_json(cycle)}
    assert ranks == {a.code: 2, b.code: 1, c.code: 3}
    rows = {r.agency_id: r for r in results_for_cycle(cycle)}
    assert rows[b.pk].tie_break == "創新服務項目得分較高"


def test_re_evaluation_is_only_for_agencies_graded_c_in_round_one_hsc10():
    """A re-evaluation score file naming an agency graded 甲/乙 is refused with the
    row, nothing stored; a re-evaluation assignment for it too."""
    from serviceeval.reviews.models import Score
    from serviceeval.reviews.services import ReviewError, assign

    from .helpers import score_rows

    cycle, (a, c), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.6"), (c, r1, "0.9")])  # a: 丙, c: 甲
    before = Score.objects.count()
    rows = score_rows(cycle, a, r1, "0.8") + score_rows(cycle, c, r1, "0.8", start=100)
    report = scores_import(cycle=cycle, rows=rows, round="re-evaluation", add_reviewers=True)
    assert len(report.errors) == len(score_rows(cycle, c, r1, "0.8"))
    assert report.errors[0] == f"第 100 列：agency「{c.code}」初評等第不是丙等，不需複評"
    assert Score.objects.count() == before
    with pytest.raises(ReviewError, match="初評等第不是丙等"):
        assign(cycle=cycle, reviewer=r1, agency=c, actor=office, round="re-evaluation")
    assign(cycle=cycle, reviewer=r1, agency=a, actor=office, round="re-evaluation")


def _outcomes(cycle, data):
    from serviceeval.reviews.services import compute_cycle

    def text(values):  # as printed: "300.00" and "300.0" differ
        return {k: str(v) for k, v in values.items()}

    def round_of(o):
        if o is None:
            return None
        figures = (str(o.total), str(o.total_exact), text(o.criterion_scores), text(o.node_totals))
        return (o.status, o.missing) + figures

    return [
        (r.agency_id, r.status, r.total, r.grade, r.final_grade, r.rank, r.re_status)
        + (round_of(r.first), round_of(r.re_evaluation))
        for r in compute_cycle(cycle, data)
    ]


def test_database_sums_give_the_same_results_as_every_score_hsc9_hsc10():
    """HSC-9 mean and HSC-10 re-evaluation: the rounds the database adds up give
    exactly what the engine gives from each score, and every round with a gap, an
    excluded or a conflicted reviewer's sheet is read score by score."""
    from serviceeval.reviews.services import conflict_declare, load_cycle

    cycle, agencies, (r1, r2, r3), office = setup_cycle(6, 3)
    a, b, c, d, e, f = agencies
    plan = [
        (x, r, frac)
        for x, fracs in [
            (a, "0.9 0.85 0.8"),
            (c, "0.7 0.75 0.8"),
            (d, "0.95 0.9 0.9"),
            (e, "0.6 0.65 0.55"),
            (f, "0.6 0.6 0.6"),
        ]
        for r, frac in zip((r1, r2, r3), fracs.split())
    ]
    plan += [(b, r1, "0.9"), (b, r2, "0.8")]  # b: r3 has not scored
    score_all(cycle, plan)
    exclusion_add(cycle=cycle, agency=c, reviewer=r3, reason="委員因病未能評分", actor=office)
    conflict_declare(cycle=cycle, reviewer=r2, agency=d, reason="曾任該機關顧問", actor=office)
    for agency in (e, f):
        assign(cycle=cycle, reviewer=r1, agency=agency, actor=office, round="re-evaluation")
    score_all(cycle, [(e, r1, "0.72")], round="re-evaluation")

    summed = load_cycle(cycle)
    by_agency = {i.agency_id: i for i in summed.inputs}
    assert by_agency[a.pk].sums is not None and by_agency[a.pk].scores == {}
    assert by_agency[e.pk].re_sums is not None
    for read in (b, c, d):
        assert by_agency[read.pk].sums is None and by_agency[read.pk].scores
    assert by_agency[f.pk].re_sums is None  # re-evaluation not scored yet
    assert _outcomes(cycle, summed) == _outcomes(cycle, load_cycle(cycle, summed=False))
    statuses = {r[0]: r[1] for r in _outcomes(cycle, summed)}
    assert statuses[b.pk] == "incomplete" and statuses[a.pk] == "complete"
