"""Roster from field tests (CITY-12, CITY-13), manual entries (HSC-14, CITY-14), freeze,
national award pipeline (CITY-10, CITY-11, CITY-15, HSC-13), exports."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.core.models import AuditEvent
from serviceeval.fieldtests.services import mystery_visit_record
from serviceeval.reviews.services import publish_results
from serviceeval.rewards import services
from serviceeval.rewards.exporters import roster_file
from serviceeval.rewards.models import AwardStatus, PublicCommendation, RewardEntry
from tests.factories import AgencyFactory, make_cycle, user_for
from tests.fieldtests.helpers import a_tester, at, call, city_cycle

from .helpers import candidate, office_entry, written_review

pytestmark = pytest.mark.django_db


def entries(cycle, rule=None):
    qs = RewardEntry.objects.filter(cycle=cycle).select_related("agency")
    if rule:
        qs = qs.filter(rule=rule)
    return [(e.agency.code if e.agency else "", e.person, e.role, e.kind, e.count) for e in qs]


def visit(cycle, agency, who, missing=(), staff=""):
    met = {
        i.code: i.code not in missing for s in cycle.program.spec.mystery_sections for i in s.items
    }
    return mystery_visit_record(
        cycle=cycle, agency=agency, tester=who, visited_at=at(), items=met, tested_staff=staff
    )


# --- CITY-13 through recorded calls ----------------------------------------------------------


def test_city_13_call_at_100_gives_two_commendations_and_public_commendation():
    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester(), staff="接線生")
    assert entries(cycle, "CITY-13") == [
        (a.code, f"主管{a.code}", "head", "commendation", 2),
        (a.code, f"研考{a.code}", "evaluation_officer", "commendation", 2),
        (a.code, "接線生", "tested_staff", "commendation", 2),
    ]
    assert list(PublicCommendation.objects.values_list("agency", "rule")) == [(a.pk, "CITY-13")]


def test_city_13_average_below_85_removes_entries_on_recompute():
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    call(cycle, a, who)
    assert entries(cycle, "CITY-13") != []
    call(cycle, a, who, missing={"sw_answer_speed", "biz_answer_speed"})  # mean < 85
    assert entries(cycle, "CITY-13") == []
    assert PublicCommendation.objects.count() == 0
    assert AuditEvent.objects.filter(action="roster_recomputed").count() == 2


def test_city_13_between_85_and_90_one_commendation():
    cycle, (a,) = city_cycle(1)
    # business only, 7 points missed: 48/55 = 87.27
    call(cycle, a, a_tester(), parts=("business",), missing={"biz_names_unit_self"})
    assert {e[4] for e in entries(cycle, "CITY-13")} == {1}


# --- CITY-12 through recorded visits --------------------------------------------------------


def test_city_12_top_three_with_tie_at_rank_3():
    cycle, ags = city_cycle(5)
    who = a_tester()
    visit(cycle, ags[0], who)  # 100
    visit(cycle, ags[1], who, missing={"eff_wait"})  # 95
    visit(cycle, ags[2], who, missing={"env_facilities"})  # 94
    visit(cycle, ags[3], who, missing={"env_facilities"})  # 94 (tie at rank 3)
    visit(cycle, ags[4], who, missing={"env_clean"})  # 93
    rewarded = sorted({e[0] for e in entries(cycle, "CITY-12")})
    assert rewarded == sorted(a.code for a in ags[:4])
    assert PublicCommendation.objects.filter(rule="CITY-12").count() == 4


def test_city_12_tested_staff_who_is_head_listed_once():
    cycle, (a,) = city_cycle(1)
    visit(cycle, a, a_tester(), staff=f"主管{a.code}")
    assert entries(cycle, "CITY-12") == [
        (a.code, f"主管{a.code}", "head,tested_staff", "commendation", 2),
        (a.code, f"研考{a.code}", "evaluation_officer", "commendation", 2),
    ]


# --- manual entries, recompute, freeze ----------------------------------------------------------


def test_manual_entry_kept_on_recompute_hsc_14():
    cycle, (a,) = city_cycle(1)
    office = user_for(Role.COORDINATOR)
    office_entry(cycle, office, rule="CITY-14", person="研考會 王專員")
    call(cycle, a, a_tester())
    services.roster_refresh(cycle=cycle, actor=office)
    assert ("", "研考會 王專員", "承辦人", "commendation", 1) in entries(cycle)
    assert len(entries(cycle)) == 3  # head and evaluation officer (CITY-13), the manual one


def test_manual_entry_with_unknown_rule_refused():
    cycle, _ = city_cycle(1)
    with pytest.raises(services.RewardError, match="^依據「CITY-13」不可人工新增。$"):
        services.entry_add(
            cycle=cycle,
            person="x",
            role="",
            agency=None,
            kind="commendation",
            count=1,
            rule="CITY-13",
            reason="",
            actor=None,
        )


def test_publishing_freezes_roster_and_unfreezing_releases_it():
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    call(cycle, a, who)
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at"])
    assert services.is_frozen(cycle)
    before = entries(cycle)
    # a change to field tests is refused while frozen, and the roster does not move
    from serviceeval.fieldtests.services import FieldTestError

    with pytest.raises(FieldTestError):
        call(cycle, a, who, missing={"sw_answer_speed"})
    assert services.roster_refresh(cycle=cycle, actor=None) is False
    assert entries(cycle) == before
    cycle.results_published_at = None
    cycle.save(update_fields=["results_published_at"])
    assert not services.is_frozen(cycle)


def test_office_entries_after_publication_hsc_14_and_hsc_11_other_staff():
    """HSC-14 (organizing office, panel) and HSC-11 其他有功人員 are filed by the office,
    normally after publication: add, edit and remove stay open, each audited."""
    from serviceeval.core.models import AuditEvent

    cycle = make_cycle(year=105)
    office = user_for(Role.COORDINATOR)
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at"])
    assert services.is_frozen(cycle)
    panel = office_entry(cycle, office)
    staff = office_entry(cycle, office, rule="HSC-11", person="資訊室 工程師")
    services.entry_edit(
        entry=panel,
        person="行政處 專員",
        role="承辦人",
        agency=None,
        kind="commendation",
        count=2,
        rule="HSC-14",
        reason="辦理考核業務",
        actor=office,
    )
    panel.refresh_from_db()
    assert (panel.person, panel.count, panel.reason) == ("行政處 專員", 2, "辦理考核業務")
    edited = AuditEvent.objects.get(action="reward_entry_edited")
    assert edited.actor == office
    assert (edited.before["count"], edited.after["count"]) == (1, 2)
    services.entry_delete(entry=staff, actor=office, reason="重複")
    assert list(RewardEntry.objects.filter(cycle=cycle)) == [panel]
    assert AuditEvent.objects.filter(action="reward_entry_deleted").count() == 1


def test_office_entries_are_checked_and_computed_ones_stay_frozen_hsc_14():
    cycle = make_cycle(year=105)
    office = user_for(Role.COORDINATOR)
    entry = office_entry(cycle, office)
    computed = RewardEntry.objects.create(
        cycle=cycle, person="主管", kind="commendation", count=2, rule="HSC-11", manual=False
    )
    change = {
        "person": "x",
        "role": "",
        "agency": None,
        "kind": "commendation",
        "reason": "",
        "actor": office,
    }
    with pytest.raises(services.RewardError, match="次數"):
        services.entry_edit(entry=entry, count=10, rule="HSC-14", **change)
    with pytest.raises(services.RewardError, match="依據"):
        services.entry_edit(entry=entry, count=1, rule="CITY-14", **change)
    with pytest.raises(services.RewardError, match="不可修改"):
        services.entry_edit(entry=computed, count=1, rule="HSC-14", **change)
    with pytest.raises(services.RewardError, match="不可刪除"):
        services.entry_delete(entry=computed, actor=office)
    entry.refresh_from_db()
    assert (entry.person, entry.count) == ("行政處 科員", 1)


def test_late_manual_entry_allowed_while_frozen_city_14():
    cycle, _ = city_cycle(1)
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at"])
    entry = services.entry_add(
        cycle=cycle,
        person="局長",
        role="主管",
        agency=None,
        kind="major_merit",
        count=1,
        rule="CITY-14",
        reason="獲政府服務獎",
        actor=None,
    )
    assert entry.manual is True


def test_rewards_command_json_fields(capsys):
    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester(), staff="接線生")
    capsys.readouterr()
    call_command("rewards", "--cycle", "116", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data[0] == {
        "person": f"主管{a.code}",
        "role": "head",
        "agency": a.code,
        "kind": "commendation",
        "count": 2,
        "rule": "CITY-13",
        "reason": "電話禮貌測試年度平均 100.00 分（≥ 90）",
        "kind_name": "嘉獎",
        "role_name": "主管",
        "public_commendation": True,
    }
    assert [set(d) for d in data] == [
        {
            "person",
            "role",
            "agency",
            "kind",
            "count",
            "rule",
            "reason",
            "kind_name",
            "role_name",
            "public_commendation",
        }
    ] * 3


def test_rewards_command_prints_the_roster_in_words(capsys):
    """Issue 15 item 2: the header and the roles in words, in the active language."""
    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester(), staff="接線生")
    capsys.readouterr()
    call_command("rewards", "--cycle", "116")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "民國116年度 敘獎名冊：3 筆（即時：隨成績與實地測試更新）"
    assert lines[1].split("\t")[:4] == ["CITY-13", a.code, f"主管{a.code}", "主管"]
    with translation.override("en"):
        call_command("rewards", "--cycle", "116")
        with pytest.raises(CommandError) as refused:
            call_command("rewards", "--cycle", "999")
    assert capsys.readouterr().out.splitlines()[0] == (
        "Reward roster of ROC year 116: 3 entries (Live: follows the results and field tests)"
    )
    assert str(refused.value) == "The cycle of ROC year 999 does not exist."


# --- exports -----------------------------------------------------------------------------------


def test_roster_exports_reopen_with_rows():
    from openpyxl import load_workbook

    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester())
    es = list(services.roster_entries(cycle))
    pcs = list(PublicCommendation.objects.filter(cycle=cycle).select_related("agency"))
    wb = load_workbook(io.BytesIO(roster_file(cycle, es, pcs, "xlsx")))
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    assert rows[0] == ("序號", "姓名", "職務", "機關", "獎懲", "次數", "依據", "事由", "來源")
    assert rows[1][1:7] == (f"主管{a.code}", "主管", a.name, "嘉獎", 2, "CITY-13")
    assert list(wb.worksheets[1].iter_rows(values_only=True))[1][1] == a.name
    ods = roster_file(cycle, es, pcs, "ods")
    assert ods[:2] == b"PK" and roster_file(cycle, es, pcs, "ods") == ods
    from odf.opendocument import load
    from odf.table import Table

    doc = load(io.BytesIO(ods))
    assert "主管" + a.code in str(doc.spreadsheet.getElementsByType(Table)[0])
    pdf = roster_file(cycle, es, pcs, "pdf")
    assert pdf.startswith(b"%PDF-")


# --- national award ---------------------------------------------------------------------------


def first_level_with_children(n=3, cycle=None):
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    if cycle is None:
        kids = [AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=parent) for _ in range(n)]
    else:
        kids = [candidate(cycle, kind=AgencyKind.SUBORDINATE, parent=parent) for _ in range(n)]
    return parent, kids


def test_first_level_agency_proposes_at_most_two_city_10():
    cycle, _ = city_cycle(1)
    parent, kids = first_level_with_children(3, cycle)
    officer = user_for(Role.AGENCY_OFFICER, agency=parent)
    services.nomination_propose(cycle=cycle, agency=kids[0], actor=officer)
    services.nomination_propose(cycle=cycle, agency=kids[1], actor=officer)
    with pytest.raises(services.RewardError) as exc:
        services.nomination_propose(cycle=cycle, agency=kids[2], actor=officer)
    assert str(exc.value) == "每個一級機關最多推薦 2 個所屬機關。"
    with translation.override("en"), pytest.raises(services.RewardError) as exc:
        services.nomination_propose(cycle=cycle, agency=kids[2], actor=officer)
    assert str(exc.value) == (
        "Each first-level agency can nominate at most 2 subordinate agencies."
    )


def test_agency_cannot_propose_another_agencys_subordinate_city_10():
    cycle, _ = city_cycle(1)
    parent, _kids = first_level_with_children(1, cycle)
    _other, other_kids = first_level_with_children(1, cycle)
    officer = user_for(Role.AGENCY_OFFICER, agency=parent)
    with pytest.raises(services.RewardError, match="所屬機關"):
        services.nomination_propose(cycle=cycle, agency=other_kids[0], actor=officer)


def test_office_preselects_district_office_city_10():
    cycle, _ = city_cycle(1)
    district = candidate(cycle, kind=AgencyKind.DISTRICT_OFFICE)
    n = services.nomination_propose(cycle=cycle, agency=district, actor=user_for(Role.COORDINATOR))
    assert n.source == "office"


def test_pipeline_statuses_with_dates_and_subsidy_city_15():
    cycle, _ = city_cycle(1)
    office = user_for(Role.COORDINATOR)
    nominee = candidate(cycle, kind=AgencyKind.DISTRICT_OFFICE)
    n = services.nomination_propose(cycle=cycle, agency=nominee, actor=office)
    with pytest.raises(services.RewardError, match="書面審查尚未完成"):
        services.nomination_step(
            nomination=n, status=AwardStatus.RECOMMENDED, on=date(2027, 6, 1), actor=office
        )
    written_review(cycle, nominee)
    n = services.nomination_step(
        nomination=n, status=AwardStatus.RECOMMENDED, on=date(2027, 6, 1), actor=office
    )
    with pytest.raises(services.RewardError, match="早於前一階段"):
        services.nomination_step(
            nomination=n, status=AwardStatus.PASSED_INITIAL, on=date(2027, 5, 1), actor=office
        )
    assert services.subsidies(cycle, [n])[1] == Decimal(10000)
    n = services.nomination_step(
        nomination=n, status=AwardStatus.PASSED_INITIAL, on=date(2027, 8, 1), actor=office
    )
    n = services.nomination_step(
        nomination=n, status=AwardStatus.SHORTLISTED, on=date(2027, 9, 1), actor=office
    )
    assert services.subsidies(cycle, [n])[1] == Decimal(40000)
    n = services.nomination_step(
        nomination=n, status=AwardStatus.NOT_WON, on=date(2027, 11, 1), actor=office
    )
    assert (n.status, n.highest) == ("not_won", "shortlisted")
    assert services.subsidies(cycle, [n])[1] == Decimal(40000)
    assert [(s.status, s.on) for s in n.steps.all()] == [
        ("recommended", date(2027, 6, 1)),
        ("passed_initial", date(2027, 8, 1)),
        ("shortlisted", date(2027, 9, 1)),
        ("not_won", date(2027, 11, 1)),
    ]
    assert services.subsidy_totals() == [(116, Decimal(40000))]


def test_pipeline_refuses_skipping_back():
    cycle, _ = city_cycle(1)
    office = user_for(Role.COORDINATOR)
    n = services.nomination_propose(cycle=cycle, agency=candidate(cycle), actor=office)
    with pytest.raises(services.RewardError) as exc:
        services.nomination_step(
            nomination=n, status=AwardStatus.WON, on=date(2027, 6, 1), actor=office
        )
    assert str(exc.value) == "無法由「已推薦（待審）」改為「獲獎」。"
    # Issue 15 item 2: no English word in the zh-Hant message.
    assert not any("a" <= c.lower() <= "z" for c in str(exc.value))


def test_training_attendance_and_consent_recorded_city_11():
    cycle, _ = city_cycle(1)
    office = user_for(Role.COORDINATOR)
    n = services.nomination_propose(cycle=cycle, agency=candidate(cycle), actor=office)
    services.attendance_add(
        nomination=n,
        session="參獎輔導課程",
        on=date(2027, 7, 1),
        attendee="王",
        attended=True,
        actor=office,
    )
    services.consent_set(nomination=n, consent=True, actor=office)
    n.refresh_from_db()
    assert (n.consent_reuse, n.attendance.get().session) == (True, "參獎輔導課程")
    assert AuditEvent.objects.filter(action="nomination_consent").count() == 1


def test_hsc_13_highest_only_from_pipeline_even_when_frozen():
    from serviceeval.agencies.models import Person

    a = AgencyFactory()
    Person.objects.create(agency=a, role="head", name="局長甲")
    cycle = make_cycle(year=105)
    office = user_for(Role.COORDINATOR)
    written_review(cycle, a)
    publish_results(cycle=cycle, actor=office)
    n = services.nomination_propose(cycle=cycle, agency=a, actor=office)
    for status in ("recommended", "passed_initial", "won"):
        n = services.nomination_step(
            nomination=n, status=status, on=date(2016, 12, 1), actor=office
        )
    assert entries(cycle, "HSC-13") == [(a.code, "局長甲", "head", "major_merit", 1)]


def test_hsc_13_granted_only_after_the_national_result():
    from serviceeval.agencies.models import Person

    a = AgencyFactory()
    Person.objects.create(agency=a, role="head", name="局長乙")
    cycle = make_cycle(year=105)
    office = user_for(Role.COORDINATOR)
    written_review(cycle, a)
    n = services.nomination_propose(cycle=cycle, agency=a, actor=office)
    n = services.nomination_step(
        nomination=n, status="recommended", on=date(2016, 6, 1), actor=office
    )
    n = services.nomination_step(
        nomination=n, status="passed_initial", on=date(2016, 8, 1), actor=office
    )
    assert entries(cycle, "HSC-13") == []  # the national result is not known yet
    services.nomination_step(nomination=n, status="not_won", on=date(2016, 12, 1), actor=office)
    assert entries(cycle, "HSC-13") == [(a.code, "局長乙", "head", "minor_merit", 1)]
