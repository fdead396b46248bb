"""Engine: reward rules at their boundaries (HSC-11, HSC-13, CITY-12, CITY-13, CITY-15)."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from serviceeval.engine.program import RewardRule
from serviceeval.engine.rewards import ResultFact, RosterInput, compute_roster, subsidy

HSC_11 = RewardRule(
    "HSC-11",
    "grade_rank",
    {
        "recipients": ["head", "section_chief", "officer"],
        "outcomes": [
            {"grade": "A", "rank": 1, "reward": "commendation", "count": 2},
            {"grade": "A", "reward": "commendation", "count": 1},
            {"final_grade": "C", "reward": "reprimand", "count": 1, "carry_over": True},
        ],
    },
)
HSC_13 = RewardRule(
    "HSC-13",
    "milestone_highest",
    {
        "recipients": ["head", "section_chief", "officer"],
        "milestones": [
            {"status": "recommended", "reward": "commendation", "count": 2},
            {"status": "passed_initial", "reward": "minor_merit", "count": 1},
            {"status": "won", "reward": "major_merit", "count": 1},
        ],
    },
)
CITY_12 = RewardRule(
    "CITY-12",
    "top_n",
    {
        "source": "mystery",
        "n": 3,
        "recipients": ["evaluation_officer", "head", "tested_staff"],
        "reward": "commendation",
        "count": 2,
        "public_commendation": True,
    },
)
CITY_13 = RewardRule(
    "CITY-13",
    "average_threshold",
    {
        "source": "phone",
        "recipients": ["evaluation_officer", "head", "tested_staff"],
        "thresholds": [
            {"min": 90, "reward": "commendation", "count": 2, "public_commendation": True},
            {"min": 85, "reward": "commendation", "count": 1},
        ],
    },
)
CITY_15 = {
    "milestones": [
        {"status": "recommended", "amount": 10000},
        {"status": "shortlisted", "amount": 30000},
    ]
}


def people(*agency_ids):
    return {
        a: [
            ("head", f"主管{a}"),
            ("section_chief", f"科長{a}"),
            ("officer", f"承辦{a}"),
            ("evaluation_officer", f"研考{a}"),
        ]
        for a in agency_ids
    }


def result(agency_id, grade, rank, final_grade=None, status="complete", total=Decimal("850")):
    return ResultFact(agency_id, status, total, grade, final_grade or grade, rank)


def summary(roster):
    return [(e.agency_id, e.person, e.role, e.kind, e.count, e.rule) for e in roster.entries]


# --- HSC-11 ---------------------------------------------------------------------------


def test_hsc_11_grade_a_rank_1_gets_two_commendations_each():
    data = RosterInput(results=[result(1, "A", 1)], people=people(1))
    assert summary(compute_roster([HSC_11], data)) == [
        (1, "主管1", "head", "commendation", 2, "HSC-11"),
        (1, "科長1", "section_chief", "commendation", 2, "HSC-11"),
        (1, "承辦1", "officer", "commendation", 2, "HSC-11"),
    ]


def test_hsc_11_other_grade_a_gets_one_commendation():
    data = RosterInput(results=[result(1, "A", 1), result(2, "A", 2)], people=people(1, 2))
    entries = compute_roster([HSC_11], data).entries
    assert [(e.agency_id, e.count) for e in entries if e.role == "head"] == [(1, 2), (2, 1)]


def test_hsc_11_tied_first_places_both_rank_1():
    data = RosterInput(results=[result(1, "A", 1), result(2, "A", 1)], people=people(1, 2))
    entries = compute_roster([HSC_11], data).entries
    assert [(e.agency_id, e.count) for e in entries if e.role == "head"] == [(1, 2), (2, 2)]


def test_hsc_11_grade_b_gets_nothing():
    data = RosterInput(results=[result(1, "B", 1)], people=people(1))
    assert compute_roster([HSC_11], data).entries == []


def test_hsc_11_c_failing_re_evaluation_reprimanded_and_carried_over():
    data = RosterInput(results=[result(1, "C", 3, final_grade="C")], people=people(1))
    entries = compute_roster([HSC_11], data).entries
    assert [(e.kind, e.count) for e in entries] == [("reprimand", 1)] * 3
    assert entries[0].facts["carry_over"] is True


def test_hsc_11_c_passing_re_evaluation_not_reprimanded():
    data = RosterInput(results=[result(1, "C", 3, final_grade="B")], people=people(1))
    assert compute_roster([HSC_11], data).entries == []


def test_hsc_11_incomplete_result_gets_nothing():
    data = RosterInput(results=[result(1, None, None, status="incomplete")], people=people(1))
    assert compute_roster([HSC_11], data).entries == []


# --- CITY-13 ---------------------------------------------------------------------------


def phone(avg, agency_id=1, tested=()):
    return RosterInput(
        averages={"phone": {agency_id: Decimal(avg)}},
        people=people(agency_id),
        tested_staff={"phone": {agency_id: list(tested)}},
    )


def test_city_13_exactly_90_two_commendations_and_public():
    roster = compute_roster([CITY_13], phone("90"))
    assert {(e.count, e.public_commendation) for e in roster.entries} == {(2, True)}
    assert [(c.agency_id, c.rule) for c in roster.commendations] == [(1, "CITY-13")]


def test_city_13_89_99_one_commendation_not_public():
    roster = compute_roster([CITY_13], phone("89.99"))
    assert {(e.count, e.public_commendation) for e in roster.entries} == {(1, False)}
    assert roster.commendations == []


def test_city_13_mean_89_995_is_published_90_00_and_gets_two_commendations():
    """SPEC §3.3: 89.995 → 90.00, the published figure decides: 嘉獎 2 and public."""
    roster = compute_roster([CITY_13], phone("89.995"))
    assert {(e.count, e.public_commendation) for e in roster.entries} == {(2, True)}
    assert roster.entries[0].facts["average"] == "90.00"
    assert "90.00" in roster.entries[0].reason


def test_city_13_mean_84_994_is_published_84_99_and_gets_nothing():
    assert compute_roster([CITY_13], phone("84.994")).entries == []


def test_city_13_exactly_85_one_commendation():
    assert {e.count for e in compute_roster([CITY_13], phone("85")).entries} == {1}


def test_city_13_84_99_nothing():
    assert compute_roster([CITY_13], phone("84.99")).entries == []


def test_city_13_recipients_evaluation_officer_head_tested_staff():
    roster = compute_roster([CITY_13], phone("92", tested=["接線員甲"]))
    assert [(e.person, e.role) for e in roster.entries] == [
        ("主管1", "head"),
        ("研考1", "evaluation_officer"),
        ("接線員甲", "tested_staff"),
    ]


def test_city_13_person_in_two_roles_listed_once():
    data = phone("95", tested=["研考1"])  # the evaluation officer also answered the phone
    roster = compute_roster([CITY_13], data)
    assert [(e.person, e.role, e.count) for e in roster.entries] == [
        ("主管1", "head", 2),
        ("研考1", "evaluation_officer,tested_staff", 2),
    ]


# --- CITY-12 ---------------------------------------------------------------------------


def mystery(values):
    ids = list(values)
    return RosterInput(
        averages={"mystery": {a: Decimal(v) for a, v in values.items()}}, people=people(*ids)
    )


def test_city_12_top_three_rewarded_and_public():
    data = mystery({1: "95", 2: "90", 3: "85", 4: "80"})
    roster = compute_roster([CITY_12], data)
    assert sorted({e.agency_id for e in roster.entries}) == [1, 2, 3]
    assert [c.agency_id for c in roster.commendations] == [1, 2, 3]
    assert {(e.kind, e.count) for e in roster.entries} == {("commendation", 2)}


def test_city_12_ties_at_rank_3_all_included():
    data = mystery({1: "95", 2: "90", 3: "85", 4: "85", 5: "80"})
    roster = compute_roster([CITY_12], data)
    assert sorted({e.agency_id for e in roster.entries}) == [1, 2, 3, 4]


def test_city_12_two_averages_published_90_00_share_rank_3():
    """SPEC §3.3: 89.996 and 90.004 both print 90.00, so both are rank 3, both top three."""
    data = mystery({1: "95", 2: "92", 3: "89.996", 4: "90.004", 5: "80"})
    roster = compute_roster([CITY_12], data)
    assert sorted({e.agency_id for e in roster.entries}) == [1, 2, 3, 4]
    ranks = {e.agency_id: e.facts["rank"] for e in roster.entries}
    assert ranks[3] == ranks[4] == 3
    assert {e.facts["average"] for e in roster.entries if e.agency_id in (3, 4)} == {"90.00"}


def test_city_12_tie_at_rank_1_pushes_rank_3_out_by_competition_ranking():
    data = mystery({1: "95", 2: "95", 3: "95", 4: "90"})
    roster = compute_roster([CITY_12], data)
    assert sorted({e.agency_id for e in roster.entries}) == [1, 2, 3]


def test_city_12_head_who_is_also_evaluation_officer_listed_once():
    data = mystery({1: "95"})
    data.people = {1: [("head", "王大明"), ("evaluation_officer", "王大明")]}
    roster = compute_roster([CITY_12], data)
    assert [(e.person, e.role) for e in roster.entries] == [("王大明", "evaluation_officer,head")]


def test_rewards_add_up_across_decisions_city_12_and_13():
    data = mystery({1: "95"})
    data.averages = {**data.averages, "phone": {1: Decimal(91)}}
    roster = compute_roster([CITY_12, CITY_13], data)
    heads = [(e.rule, e.count) for e in roster.entries if e.person == "主管1"]
    assert heads == [("CITY-12", 2), ("CITY-13", 2)]


# --- HSC-13 ---------------------------------------------------------------------------


def award(status):
    return RosterInput(award_statuses={1: status}, people=people(1))


def test_hsc_13_recommended_two_commendations():
    assert {(e.kind, e.count) for e in compute_roster([HSC_13], award("recommended")).entries} == {
        ("commendation", 2)
    }


def test_hsc_13_passed_initial_minor_merit_only():
    entries = compute_roster([HSC_13], award("passed_initial")).entries
    assert {(e.kind, e.count) for e in entries} == {("minor_merit", 1)}
    assert len(entries) == 3


def test_hsc_13_won_major_merit_only_highest_applies():
    entries = compute_roster([HSC_13], award("won")).entries
    assert {(e.kind, e.count) for e in entries} == {("major_merit", 1)}
    assert len(entries) == 3  # no 嘉獎 or 記小功 on top


def test_hsc_13_shortlisted_without_own_milestone_keeps_passed_initial():
    entries = compute_roster([HSC_13], award("shortlisted")).entries
    assert {e.kind for e in entries} == {"minor_merit"}


# --- CITY-15 ---------------------------------------------------------------------------


def test_city_15_subsidy_recommended_10000():
    assert subsidy(CITY_15, "recommended") == Decimal(10000)


def test_city_15_subsidy_shortlisted_adds_30000():
    assert subsidy(CITY_15, "shortlisted") == Decimal(40000)
    assert subsidy(CITY_15, "won") == Decimal(40000)
    assert subsidy(CITY_15, "passed_initial") == Decimal(10000)


def test_city_15_no_subsidy_before_recommendation():
    assert subsidy(CITY_15, None) == Decimal(0)


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["head", "evaluation_officer", "tested_staff"]),
            st.sampled_from(["甲", "乙", "丙"]),
        ),
        max_size=8,
    )
)
def test_no_duplicates_within_one_decision_property(pairs):
    data = RosterInput(
        averages={"phone": {1: Decimal(95)}},
        people={1: [(r, n) for r, n in pairs if r != "tested_staff"]},
        tested_staff={"phone": {1: [n for r, n in pairs if r == "tested_staff"]}},
    )
    names = [e.person for e in compute_roster([CITY_13], data).entries]
    assert len(names) == len(set(names))
    assert set(names) == {n for _r, n in pairs}


def test_city_13_mean_exactly_90_from_repeating_parts_reaches_90():
    from serviceeval.engine.fieldtests import call_score, yearly_averages
    from serviceeval.engine.program import ChecklistItem, ChecklistPart

    sw = ChecklistPart("switchboard", "總機", Decimal(45), (ChecklistItem("s", "s", Decimal(45)),))
    biz = ChecklistPart("business", "業務", Decimal(55), (ChecklistItem("b", "b", Decimal(55)),))
    calls = [
        call_score((sw, biz), {"switchboard": Decimal(40), "business": Decimal(55)}),
        call_score((sw, biz), {"switchboard": Decimal("38.5")}),
    ]
    data = RosterInput(averages={"phone": yearly_averages((1, c) for c in calls)}, people=people(1))
    roster = compute_roster([CITY_13], data)
    assert {(e.count, e.public_commendation) for e in roster.entries} == {(2, True)}
    assert roster.entries[0].facts["average"] == "90.00"
