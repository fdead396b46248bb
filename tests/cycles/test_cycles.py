"""Cycles: participants, milestones, program pinning (HSC-4, HSC-5, HSC-11, CITY-2, CITY-16)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from serviceeval.agencies.models import Person
from serviceeval.cycles.models import CarryOver, Cycle
from serviceeval.cycles.services import CycleError, cycle_change_program, cycle_mark_scoring_started
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


def test_city_plan_due_is_30_april_taipei_city2(db):
    """CITY-2: plans by 30 April; CITY-5: results before 1 November (Asia/Taipei)."""
    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    at = {m.code: m.at for m in cycle.milestones.all()}
    assert at["plan_due"] == datetime(2027, 4, 30, 23, 59, 59, tzinfo=TAIPEI)
    assert at["report_due"] == datetime(2027, 10, 31, 23, 59, 59, tzinfo=TAIPEI)


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
    assert (
        str(exc.value)
        == "評分已開始，不可更換考核計畫版本 (scoring has started; the program version is fixed)"
    )
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
        == "已建立 民國105年 年度 (created): hsinchu-105 v1, 2 participants"
    )
    assert Cycle.objects.get(year=105).program.code == "hsinchu-105"


def test_cycle_create_command_refuses_unknown_group_and_duplicate_year(db):
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "hsinchu-105", "--year", "105", "--groups", "1,7")
    assert str(exc.value) == "組別不存在 (unknown groups): 7"
    assert not Cycle.objects.exists()
    call_command("cycle_create", "--program", "hsinchu-105", "--year", "105")
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "hsinchu-105", "--year", "105")
    assert str(exc.value) == "民國 105 年度已存在 (cycle 105 exists)"


def test_cycle_create_command_refuses_unknown_program(db):
    with pytest.raises(CommandError) as exc:
        call_command("cycle_create", "--program", "nope", "--year", "105")
    assert str(exc.value) == "找不到考核計畫 nope (unknown program)"
