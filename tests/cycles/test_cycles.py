"""Cycles: participants, milestones, program pinning (HSC-4, HSC-5, HSC-11, CITY-2, CITY-16)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from serviceeval.agencies.models import Agency, Person
from serviceeval.cycles.models import CarryOver, Cycle
from serviceeval.cycles.services import CycleError, cycle_change_program, cycle_mark_scoring_started
from serviceeval.demo import HSINCHU_GROUPS
from serviceeval.programs.services import program_load
from tests.factories import AgencyFactory, make_cycle
from tests.programs.test_programs import hsinchu_text

TAIPEI = ZoneInfo("Asia/Taipei")


@pytest.fixture
def three_groups(db):
    from serviceeval.agencies.models import Group

    groups = {g.code: g for g in Group.objects.all()}
    return {code: [AgencyFactory(group=groups[code]) for _ in range(2)] for code in ("1", "2", "3")}


def test_cycle_with_groups_takes_only_those_groups_hsc4(three_groups):
    """HSC-4: on-site evaluation rotates by group."""
    cycle = make_cycle(groups=["1", "3"])
    taking_part = set(cycle.participants.values_list("agency__group__code", flat=True))
    assert taking_part == {"1", "3"}
    assert cycle.participants.count() == 4
    assert set(cycle.participants.values_list("reason", flat=True)) == {"rotation"}


def test_cycle_without_groups_takes_every_agency_of_the_programs_categories(
    three_groups, city_program
):
    project_agency = AgencyFactory(category="project", group=None)
    hsinchu_cycle = make_cycle(year=105)
    assert hsinchu_cycle.participants.count() == 6  # hsinchu-105 has only the overall category
    city_cycle = make_cycle(year=116, program_code="city-service-upgrade")
    assert city_cycle.participants.count() == 7
    assert city_cycle.participants.get(agency=project_agency).category == "project"


def test_carried_over_agency_joins_next_cycle_whatever_the_rotation_hsc11(three_groups):
    """HSC-11: a 丙 that failed re-evaluation is evaluated next year whatever the rotation says."""
    first = make_cycle(year=105, groups=["1"])
    failed = three_groups["1"][0]
    CarryOver.objects.create(agency=failed, from_cycle=first, reason="105年度考列丙等且未通過複評")
    second = make_cycle(year=106, groups=["2"])
    participant = second.participants.get(agency=failed)
    assert (participant.reason, participant.note) == ("carry_over", "105年度考列丙等且未通過複評")
    assert second.participants.count() == 3


def test_hsinchu_milestones_are_taipei_moments_hsc5(db):
    """HSC-5: window September–October, report covers January–July (+ planned August–December)."""
    cycle = make_cycle(year=105)
    at = {m.code: m.at.astimezone(TAIPEI) for m in cycle.milestones.all()}
    assert at["window_start"] == datetime(2016, 9, 1, 0, 0, tzinfo=TAIPEI)
    assert at["window_end"] == datetime(2016, 10, 31, 23, 59, 59, tzinfo=TAIPEI)
    assert at["period_start"] == datetime(2016, 1, 1, 0, 0, tzinfo=TAIPEI)
    assert at["period_end"] == datetime(2016, 7, 31, 23, 59, 59, tzinfo=TAIPEI)


def test_city_plan_due_is_30_april_report_due_1_november_taipei_city2_city5(db):
    """CITY-2: plans by the end of 30 April; CITY-5: results by the end of 1 November
    (「11月1日前」 includes 1 November, as 「4月底前」 includes 30 April; Asia/Taipei)."""
    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    at = {m.code: m.at for m in cycle.milestones.all()}
    assert at["plan_due"] == datetime(2027, 4, 30, 23, 59, 59, tzinfo=TAIPEI)
    assert at["report_due"] == datetime(2027, 11, 1, 23, 59, 59, tzinfo=TAIPEI)


def test_program_cannot_change_after_scoring_started_city16(db):
    """CITY-16: a cycle keeps the version it started with."""
    cycle = make_cycle(year=105)
    v2, _ = program_load(text=hsinchu_text(version=2))
    cycle_change_program(cycle=cycle, program=v2)
    assert cycle.program.version == 2
    cycle_mark_scoring_started(cycle=cycle)
    v3, _ = program_load(text=hsinchu_text(version=3))
    with pytest.raises(CycleError) as exc:
        cycle_change_program(cycle=cycle, program=v3)
    assert str(exc.value) == "評分已開始，不可更換考核計畫版本"
    cycle.refresh_from_db()
    assert cycle.program.version == 2


def test_new_program_version_does_not_change_an_existing_cycle_city16(db):
    cycle = make_cycle(year=105)
    program_load(text=hsinchu_text(version=2))
    cycle.refresh_from_db()
    assert cycle.program.version == 1


def test_cycle_snapshots_the_reward_roster(db):
    agency = AgencyFactory()
    Person.objects.create(agency=agency, cycle=None, role="head", name="王局長")
    cycle = make_cycle(year=105)
    Person.objects.filter(cycle=None).update(name="新局長")
    assert list(Person.objects.filter(cycle=cycle).values_list("name", flat=True)) == ["王局長"]


def test_cycle_create_command(three_groups, capsys):
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "105", "--groups", "2")
    assert (
        capsys.readouterr().out.strip()
        == "已建立民國105年度：hsinchu-105 v1（新竹市），受評機關 2 個"
    )
    assert Cycle.objects.get(year=105).program.code == "hsinchu-105"


def test_cycle_create_command_refuses_unknown_group_and_duplicate_year(db):
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "hsinchu-105", "--year", "105", "--groups", "1,7")
    assert str(exc.value) == "組別不存在：7"
    assert not Cycle.objects.exists()
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "105")
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "hsinchu-105", "--year", "105")
    assert str(exc.value) == "民國 105 年度已存在"


def test_cycle_create_command_refuses_unknown_program(db):
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "nope", "--year", "105")
    assert str(exc.value) == "找不到考核計畫 nope"


# --- two cities (issue 2 item 4: "every agency in a category of the program") ---------------


@pytest.fixture
def two_city_demo(db):
    """The demo's agencies: the 16 Hsinchu agencies (+ 2 inactive parents) of
    hsinchu-105 and the first-level / subordinate / district agencies of
    city-service-upgrade, with its cycles 105 (Hsinchu) and 116 (CITY)."""
    from serviceeval.demo import build_foundation

    build_foundation()
    return {a.code: a for a in Agency.objects.all()}


def codes_of(cycle):
    return sorted(cycle.participants.values_list("agency__code", flat=True))


HSINCHU_16 = sorted(code for members in HSINCHU_GROUPS.values() for code, _ in members)
CITY_8 = ["CT-100", "CT-110", "CT-120", "CT-200", "CT-210", "CT-300", "CT-901", "CT-902"]


def test_demo_agencies_carry_their_programs_city(two_city_demo):
    cities = {code: a.city for code, a in two_city_demo.items()}
    assert {cities[c] for c in HSINCHU_16 + ["HC-001", "HC-002"]} == {"新竹市"}
    assert {cities[c] for c in CITY_8} == {"直轄市"}
    assert codes_of(Cycle.objects.get(year=105)) == HSINCHU_16
    assert codes_of(Cycle.objects.get(year=116)) == CITY_8


def test_cycle_without_groups_takes_only_the_programs_city_hsc4(two_city_demo, capsys):
    """Without --groups, every agency in a category of the program takes part, but
    only those of the program's city: the CITY agencies share the overall/project
    category codes with Hsinchu's and must not join a Hsinchu cycle (and back)."""
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "117")
    call_command("cycle_create", "--program", "city-service-upgrade", "--year", "118")
    assert capsys.readouterr().out.splitlines() == [
        "已建立民國117年度：hsinchu-105 v1（新竹市），受評機關 16 個",
        "已建立民國118年度：city-service-upgrade v1（直轄市），受評機關 8 個",
    ]
    hsinchu, city = Cycle.objects.get(year=117), Cycle.objects.get(year=118)
    assert codes_of(hsinchu) == HSINCHU_16  # the inactive parents HC-001/HC-002 stay out
    assert set(hsinchu.participants.values_list("reason", flat=True)) == {"all"}
    assert codes_of(city) == CITY_8
    assert set(city.participants.values_list("category", flat=True)) == {"overall", "project"}
    # each cycle copies only its own agencies' people
    assert set(Person.objects.filter(cycle=city).values_list("agency__code", flat=True)) == set(
        CITY_8
    )


def test_groups_still_rotate_within_the_city_hsc4(two_city_demo):
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "117", "--groups", "2")
    cycle = Cycle.objects.get(year=117)
    assert codes_of(cycle) == ["HC-201", "HC-202", "HC-203", "HC-204", "HC-205", "HC-206"]
    assert set(cycle.participants.values_list("reason", flat=True)) == {"rotation"}
    # the CITY agencies have no group: a CITY cycle by group takes nobody of Hsinchu's group 2
    call_command(
        "cycle_create", "--program", "city-service-upgrade", "--year", "118", "--groups", "2"
    )
    assert codes_of(Cycle.objects.get(year=118)) == []


def test_carried_over_agencies_of_the_city_are_added_either_way_hsc11(two_city_demo):
    """HSC-11 on the two-city demo: an agency carried over from last year's cycle
    joins whatever the rotation or the explicit list says; one of another city
    (carried over from that year's cycle) does not."""
    demo_116 = Cycle.objects.get(year=116)
    CarryOver.objects.create(agency=two_city_demo["CT-901"], from_cycle=demo_116, reason="丙等")
    CarryOver.objects.create(agency=two_city_demo["HC-101"], from_cycle=demo_116, reason="誤植")
    call_command(
        "cycle_create",
        "--program",
        "city-service-upgrade",
        "--year",
        "117",
        "--agencies",
        "CT-100,CT-110",
    )
    cycle = Cycle.objects.get(year=117)
    assert sorted(cycle.participants.values_list("agency__code", "reason")) == [
        ("CT-100", "added"),
        ("CT-110", "added"),
        ("CT-901", "carry_over"),
    ]


def test_carried_over_agency_joins_a_rotation_on_the_demo_hsc11(two_city_demo):
    demo_105 = Cycle.objects.get(year=105)
    CarryOver.objects.create(agency=two_city_demo["HC-101"], from_cycle=demo_105, reason="丙等")
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "106", "--groups", "3")
    cycle = Cycle.objects.get(year=106)
    assert cycle.participants.get(agency__code="HC-101").reason == "carry_over"
    assert codes_of(cycle) == ["HC-101", "HC-301", "HC-302", "HC-303", "HC-304", "HC-305"]


def test_agencies_option_takes_exactly_those(two_city_demo):
    call_command(
        "cycle_create",
        "--program",
        "hsinchu-105",
        "--year",
        "117",
        "--agencies",
        "HC-102, HC-201,HC-102",
    )
    cycle = Cycle.objects.get(year=117)
    assert codes_of(cycle) == ["HC-102", "HC-201"]
    assert (
        sorted(Person.objects.filter(cycle=cycle).values_list("agency__code", flat=True))
        == ["HC-102"] * 4 + ["HC-201"] * 4
    )


def test_agencies_option_refuses_unknown_other_city_and_inactive(two_city_demo):
    with pytest.raises(CommandError) as exc:
        call_command(
            "cycle_create",
            "--program",
            "hsinchu-105",
            "--year",
            "117",
            "--agencies",
            "HC-101,CT-100,NOPE,HC-001",
        )
    assert str(exc.value) == (
        "機關不存在：NOPE；機關不屬於新竹市：CT-100 (直轄市)；機關已停用：HC-001"
    )
    assert not Cycle.objects.filter(year=117).exists()


def test_agencies_and_groups_are_exclusive(two_city_demo):
    with pytest.raises(CommandError) as exc:
        call_command(
            "cycle_create",
            "--program",
            "hsinchu-105",
            "--year",
            "117",
            "--groups",
            "1",
            "--agencies",
            "HC-101",
        )
    assert "--agencies" in str(exc.value) and "--groups" in str(exc.value)


def test_agency_of_a_category_the_program_lacks_is_refused(db):
    AgencyFactory(code="P-1", category="project")
    with pytest.raises(CommandError) as exc:
        call_command(
            "cycle_create", "--program", "hsinchu-105", "--year", "105", "--agencies", "P-1"
        )
    assert str(exc.value) == "機關類別不在本計畫（overall）：P-1 (project)"


def test_agency_without_a_city_joins_any_program_and_is_pointed_out(two_city_demo, capsys):
    """A blank city means "not tied to a city" (one-city installations need not fill
    it); once cities are in use the command says how many such agencies it took."""
    AgencyFactory(code="X-1")
    call_command("cycle_create", "--program", "city-service-upgrade", "--year", "117")
    assert capsys.readouterr().out.splitlines() == [
        "已建立民國117年度：city-service-upgrade v1（直轄市），受評機關 9 個",
        "注意：其中 1 個機關未設定所屬城市，請以 import_agencies --city 或 city 欄位設定",
    ]


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("0", "--year 0 不是有效的民國年，須為 1 至 200"),
        ("-3", "--year -3 不是有效的民國年，須為 1 至 200"),
        ("2016", "--year 2016 不是有效的民國年，須為 1 至 200；西元 2016 年即民國 105 年"),
        ("900", "--year 900 不是有效的民國年，須為 1 至 200"),
    ],
)
def test_cycle_create_refuses_year_zero_negative_and_absurd(db, year, message):
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "hsinchu-105", "--year", year)
    assert str(exc.value) == message
    assert not Cycle.objects.exists()


def test_cycle_create_service_refuses_a_bad_year_too(db):
    with pytest.raises(CycleError) as exc:
        make_cycle(year=0)
    assert str(exc.value) == "年度 0 不是有效的民國年，須為 1 至 200"


def test_cycle_create_accepts_the_bounds(db):
    make_cycle(year=1)
    make_cycle(year=200)
    assert sorted(Cycle.objects.values_list("year", flat=True)) == [1, 200]


def test_cycle_messages_speak_english_when_english_is_active(db):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(CycleError) as exc:
            make_cycle(year=2016)
        assert str(exc.value) == (
            "Year 2016 is not a valid ROC year: it must be from 1 to 200, e.g. 105; "
            "Gregorian 2016 is ROC 105."
        )
        with pytest.raises(CommandError) as exc:
            call_command("cycle_create", "--program", "nope", "--year", "105")
        assert str(exc.value) == "Program nope not found."


def test_cycle_create_in_zh_hant_has_no_english_besides_its_values(three_groups, capsys):
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "105", "--groups", "2")
    out = capsys.readouterr().out.strip()
    assert out == "已建立民國105年度：hsinchu-105 v1（新竹市），受評機關 2 個"
    rest = out.replace("hsinchu-105", "").replace("v1", "")
    assert not any("a" <= ch.lower() <= "z" for ch in rest)
