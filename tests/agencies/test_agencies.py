"""Agencies, people and the all-or-nothing import (issue 2 item 3, CITY-1)."""

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from serviceeval.agencies.models import Agency, CategoryMove, Person
from serviceeval.agencies.selectors import agencies_visible_to
from serviceeval.agencies.services import agency_move_category
from serviceeval.core.models import AuditEvent
from tests.factories import AgencyFactory, UserFactory, user_for

HEADER = "code,name,kind,parent,category,group,head,section_chief,officer,evaluation_officer\n"


def write_csv(tmp_path, body, name="agencies.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_import_creates_agencies_with_parent_after_child_and_people(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "S-01,中正戶政事務所,subordinate,F-01,overall,2,王一,李二,張三,陳四\n"
        "F-01,民政局,first-level,,overall,,林五,,,\n",
    )
    call_command("import_agencies", str(path))
    assert capsys.readouterr().out.strip() == "匯入完成：新增 2 個、更新 0 個"
    child = Agency.objects.get(code="S-01")
    assert child.parent.code == "F-01"
    assert child.group.code == "2"
    assert sorted(Person.objects.filter(agency=child).values_list("role", "name")) == [
        ("evaluation_officer", "陳四"),
        ("head", "王一"),
        ("officer", "張三"),
        ("section_chief", "李二"),
    ]


@pytest.mark.django_db
def test_reimport_updates_instead_of_duplicating(tmp_path):
    call_command(
        "import_agencies", str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,,林五,,,\n"))
    )
    call_command(
        "import_agencies",
        str(write_csv(tmp_path, "F-01,臺北市政府民政局,first-level,,project,,黃六,,,\n", "b.csv")),
    )
    agency = Agency.objects.get(code="F-01")
    assert Agency.objects.filter(code="F-01").count() == 1
    assert agency.name == "臺北市政府民政局"
    assert agency.category == "project"
    assert list(
        Person.objects.filter(agency=agency, role="head").values_list("name", flat=True)
    ) == ["黃六"]
    assert CategoryMove.objects.get(agency=agency).to_category == "project"


@pytest.mark.django_db
def test_bad_rows_reject_the_whole_file_with_one_line_per_problem(tmp_path, capsys):
    path = write_csv(
        tmp_path,
        "F-01,民政局,first-level,,overall,,,,,\n"
        "S-01,戶政所,subordinate,,overall,9,,,,\n"
        "F-01,重複,planet,,both,,,,,\n"
        "S-02,地政所,subordinate,X-99,overall,,,,,\n",
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(path))
    assert str(exc.value) == "匯入失敗（6 個問題），未寫入任何資料"
    assert capsys.readouterr().err.strip().splitlines() == [
        "第 3 列：group「9」不存在（已有組別：1, 2, 3）",
        "第 3 列：subordinate 機關須填 parent",
        "第 4 列：code「F-01」與第 2 列重複",
        "第 4 列：kind「planet」應為 first-level、subordinate 或 district-office",
        "第 4 列：category「both」應為 overall 或 project",
        "第 5 列：parent「X-99」不存在",
    ]
    assert Agency.objects.count() == 0


@pytest.mark.django_db
def test_import_reads_xlsx(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER.strip().split(","))
    ws.append(
        ["D-01", "大安區公所", "district-office", None, "overall", 2, "周七", None, None, None]
    )
    path = tmp_path / "agencies.xlsx"
    wb.save(path)
    call_command("import_agencies", str(path))
    agency = Agency.objects.get(code="D-01")
    assert (agency.kind, agency.group.code) == ("district-office", "2")


@pytest.mark.django_db
def test_import_names_a_missing_column(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("code,name\nX,Y\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(path))
    assert str(exc.value) == "第 1 列缺少欄位：kind, category"


@pytest.mark.django_db
def test_category_move_is_recorded_city1():
    """CITY-1: the office may move an agency between categories; the move is recorded."""
    agency = AgencyFactory(category="overall")
    office = UserFactory(role="coordinator")
    agency_move_category(agency=agency, category="project", user=office, reason="業務屬性調整")
    move = CategoryMove.objects.get(agency=agency)
    assert (move.from_category, move.to_category, move.by, move.reason) == (
        "overall",
        "project",
        office,
        "業務屬性調整",
    )
    event = AuditEvent.objects.get(action="category_moved")
    assert (event.before, event.after) == ({"category": "overall"}, {"category": "project"})


@pytest.mark.django_db
def test_first_level_agency_sees_its_subordinates_city6():
    """CITY-6: a first-level agency sees its subordinate agencies; not others."""
    parent = AgencyFactory()
    child = AgencyFactory(parent=parent, kind="subordinate")
    AgencyFactory()
    officer = user_for("agency_officer", agency=parent)
    assert set(agencies_visible_to(officer)) == {parent, child}
    child_officer = user_for("agency_officer", agency=child)
    assert set(agencies_visible_to(child_officer)) == {child}


def test_audit_events_are_append_only(db):
    agency = AgencyFactory()
    agency_move_category(agency=agency, category="project", user=None, reason="r")
    event = AuditEvent.objects.get()
    event.reason = "changed"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


@pytest.mark.django_db
def test_roster_for_ignores_tested_staff_when_choosing_the_cycle_roster():
    """Tested staff recorded by a field test (CITY-12) are stored per cycle; they
    must not hide the standing head / section chief / officers (HSC-11)."""
    from serviceeval.agencies.selectors import roster_for
    from tests.factories import make_cycle

    agency = AgencyFactory()
    cycle = make_cycle(agencies=Agency.objects.filter(pk=agency.pk))
    Person.objects.filter(agency=agency).delete()
    Person.objects.create(agency=agency, role="head", name="林首長")
    Person.objects.create(agency=agency, cycle=cycle, role="tested_staff", name="受測者")
    assert [p.name for p in roster_for(agency, cycle)] == ["林首長"]
    Person.objects.create(agency=agency, cycle=cycle, role="officer", name="承辦人")
    assert [p.name for p in roster_for(agency, cycle)] == ["承辦人"]
    assert [p.name for p in roster_for(agency)] == ["林首長"]


# --- city (which programs' cycles an agency joins) ------------------------------------------


@pytest.mark.django_db
def test_import_city_column_and_default_city(tmp_path):
    path = tmp_path / "cities.csv"
    path.write_text(
        "code,name,kind,category,city\n"
        "H-1,衛生局,first-level,overall,新竹市\n"
        "C-1,社會局,first-level,overall,\n",
        encoding="utf-8",
    )
    call_command("import_agencies", str(path), "--city", "直轄市")
    assert dict(Agency.objects.values_list("code", "city")) == {"H-1": "新竹市", "C-1": "直轄市"}
    # a file without the column (or a blank cell) keeps the agency's city
    call_command(
        "import_agencies", str(write_csv(tmp_path, "H-1,衛生局,first-level,,project,,,,,\n"))
    )
    assert Agency.objects.get(code="H-1").city == "新竹市"


@pytest.mark.django_db
def test_import_refuses_a_city_no_program_has(tmp_path, capsys):
    path = tmp_path / "cities.csv"
    path.write_text(
        "code,name,kind,category,city\nH-1,衛生局,first-level,overall,新竹\n", encoding="utf-8"
    )
    with pytest.raises(CommandError):
        call_command("import_agencies", str(path))
    assert capsys.readouterr().err.strip() == (
        "第 2 列：city「新竹」不是任何考核計畫的城市（已有城市：新竹市, 直轄市）"
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(path), "--city", "台北")
    assert str(exc.value) == ("--city「台北」不是任何考核計畫的城市（已有城市：新竹市, 直轄市）")
    assert not Agency.objects.exists()


# --- people of existing cycles (issue 2 item 3: re-import updates) -------------------------


def _cycle_people(cycle, code):
    return sorted(Person.objects.filter(cycle=cycle, agency__code=code).values_list("role", "name"))


@pytest.fixture
def agency_in_three_cycles(db, tmp_path):
    """F-01 with its four people, in an open cycle (116), one whose scoring has
    started (105) and one whose results are published and frozen (106)."""
    from django.utils import timezone

    from serviceeval.cycles.services import cycle_mark_scoring_started
    from tests.factories import make_cycle

    call_command(
        "import_agencies",
        str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,林五,李二,張三,陳四\n")),
    )
    started = make_cycle(year=105)
    cycle_mark_scoring_started(cycle=started)
    frozen = make_cycle(year=106)
    frozen.results_published_at = timezone.now()
    frozen.save(update_fields=["results_published_at"])
    open_cycle = make_cycle(year=116, program_code="city-service-upgrade")
    return {"open": open_cycle, "started": started, "frozen": frozen}


OLD_PEOPLE = [
    ("evaluation_officer", "陳四"),
    ("head", "林五"),
    ("officer", "張三"),
    ("section_chief", "李二"),
]


def test_reimport_updates_the_people_of_cycles_that_have_not_started_scoring(
    agency_in_three_cycles, tmp_path, capsys
):
    """CITY-16: a cycle is pinned once scoring starts; before that its copy of the
    people follows the import. Started and frozen cycles keep the people their
    decisions name, and the command says which cycles were updated and kept."""
    cycles = agency_in_three_cycles
    capsys.readouterr()
    call_command(
        "import_agencies",
        str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,黃六,,王七、劉八,\n", "b.csv")),
    )
    assert capsys.readouterr().out.splitlines() == [
        "匯入完成：新增 0 個、更新 1 個",
        "已更新年度人員：民國116年（1 個機關：F-01）",
        "未更新年度人員（已開始評分或成績已公布）：民國105年（1 個機關：F-01）；"
        "民國106年（1 個機關：F-01）",
    ]
    new_people = [
        ("evaluation_officer", "陳四"),
        ("head", "黃六"),
        ("officer", "劉八"),
        ("officer", "王七"),
        ("section_chief", "李二"),
    ]
    assert (
        sorted(Person.objects.filter(cycle=None, agency__code="F-01").values_list("role", "name"))
        == new_people
    )
    assert _cycle_people(cycles["open"], "F-01") == new_people
    assert _cycle_people(cycles["started"], "F-01") == OLD_PEOPLE
    assert _cycle_people(cycles["frozen"], "F-01") == OLD_PEOPLE
    event = AuditEvent.objects.get(action="cycle_people_updated")
    assert event.after == {"agencies": ["F-01"]}


def test_reimport_of_the_same_people_updates_no_cycle(agency_in_three_cycles, tmp_path, capsys):
    capsys.readouterr()
    call_command(
        "import_agencies",
        str(
            write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,林五,李二,張三,陳四\n", "b.csv")
        ),
    )
    assert capsys.readouterr().out.splitlines() == ["匯入完成：新增 0 個、更新 1 個"]
    assert not AuditEvent.objects.filter(action="cycle_people_updated").exists()


def test_reimport_fills_a_cycle_that_had_nobody_for_the_agency(db, tmp_path, capsys):
    from tests.factories import make_cycle

    call_command(
        "import_agencies", str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,,,,\n"))
    )
    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    assert _cycle_people(cycle, "F-01") == []
    call_command(
        "import_agencies",
        str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,黃六,,,\n", "b.csv")),
    )
    assert _cycle_people(cycle, "F-01") == [("head", "黃六")]
    assert "民國116年（1 個機關：F-01）" in capsys.readouterr().out


def test_cycle_option_updates_that_cycle_only(db, tmp_path, capsys):
    from tests.factories import make_cycle

    call_command(
        "import_agencies", str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,林五,,,\n"))
    )
    c116 = make_cycle(year=116, program_code="city-service-upgrade")
    c117 = make_cycle(year=117, program_code="city-service-upgrade")
    capsys.readouterr()
    b = write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,黃六,,,\n", "b.csv")
    call_command("import_agencies", str(b), "--cycle", "117")
    assert capsys.readouterr().out.splitlines() == [
        "匯入完成：新增 0 個、更新 1 個",
        "已更新年度人員：民國117年（1 個機關：F-01）",
    ]
    assert _cycle_people(c117, "F-01") == [("head", "黃六")]
    assert _cycle_people(c116, "F-01") == [("head", "林五")]
    call_command("import_agencies", str(b), "--cycle", "117")
    assert capsys.readouterr().out.splitlines()[-1] == ("民國 117 年度人員無需更新")


def test_cycle_option_refuses_a_started_or_missing_cycle_and_stores_nothing(
    agency_in_three_cycles, tmp_path
):
    b = write_csv(tmp_path, "F-01,改名,first-level,,overall,1,黃六,,,\n", "b.csv")
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(b), "--cycle", "105")
    assert str(exc.value) == ("民國 105 年度已開始評分或成績已公布，名冊不再更新；未寫入任何資料")
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(b), "--cycle", "130")
    assert str(exc.value) == "民國 130 年度不存在；未寫入任何資料"
    assert Agency.objects.get(code="F-01").name == "民政局"
    assert Person.objects.get(cycle=None, agency__code="F-01", role="head").name == "林五"


def test_reimport_renames_the_people_on_an_open_cycles_reward_roster(db, tmp_path):
    """The roster (CITY-13 here, from a telephone test) names the cycle's people, so
    it is recomputed when they change before scoring starts."""
    from serviceeval.rewards.models import RewardEntry
    from tests.fieldtests.helpers import a_tester, call, city_cycle

    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester())
    heads = RewardEntry.objects.filter(cycle=cycle, role="head")
    assert list(heads.values_list("person", flat=True)) == [f"主管{a.code}"]
    call_command(
        "import_agencies",
        str(write_csv(tmp_path, f"{a.code},{a.name},first-level,,overall,1,新主管,,,\n")),
    )
    assert list(heads.values_list("person", flat=True)) == ["新主管"]


def test_started_cycle_without_its_own_copy_keeps_reading_the_people_it_had(db, tmp_path, capsys):
    """A cycle whose agency had nobody when it was created reads the standing list
    (here filled in later by hand); once scoring has started a re-import must not
    change what it reads, so it gets a copy of the people as they were."""
    from serviceeval.agencies.selectors import roster_for
    from serviceeval.cycles.services import cycle_mark_scoring_started
    from tests.factories import make_cycle

    agency = AgencyFactory(code="F-01", name="民政局")
    cycle = make_cycle(year=105)
    Person.objects.create(agency=agency, cycle=None, role="head", name="林五")
    cycle_mark_scoring_started(cycle=cycle)
    assert not Person.objects.filter(cycle=cycle).exists()
    call_command(
        "import_agencies",
        str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,1,黃六,,,\n")),
    )
    assert capsys.readouterr().out.splitlines()[-1] == (
        "未更新年度人員（已開始評分或成績已公布）：民國105年（1 個機關：F-01）"
    )
    assert [p.name for p in roster_for(agency, cycle)] == ["林五"]
    assert [p.name for p in roster_for(agency)] == ["黃六"]


@pytest.mark.django_db
def test_import_agencies_from_ods(tmp_path, capsys):
    from serviceeval.exports.writers import Sheet, write_ods

    path = tmp_path / "agencies.ods"
    path.write_bytes(
        write_ods(
            [
                Sheet(
                    "機關",
                    HEADER.strip().split(","),
                    [
                        [
                            "S-01",
                            "中正戶政事務所",
                            "subordinate",
                            "F-01",
                            "overall",
                            2,
                            "王一",
                            "",
                            "",
                            "",
                        ],
                        ["F-01", "民政局", "first-level", "", "overall", "", "林五", "", "", ""],
                    ],
                )
            ]
        )
    )
    call_command("import_agencies", str(path))
    assert capsys.readouterr().out.strip() == "匯入完成：新增 2 個、更新 0 個"
    child = Agency.objects.get(code="S-01")
    assert (child.parent.code, child.group.code) == ("F-01", "2")
    assert Person.objects.get(agency=child, role="head").name == "王一"


@pytest.mark.django_db
def test_import_problems_speak_english_when_english_is_active(tmp_path, capsys):
    from django.utils import translation

    path = write_csv(tmp_path, "S-01,戶政所,subordinate,,overall,,,,,\n")
    with translation.override("en"), pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(path))
    assert str(exc.value) == "The import failed (problems: 1); nothing was stored."
    assert capsys.readouterr().err.strip() == "row 2：A subordinate agency needs a parent."


@pytest.mark.django_db
def test_import_messages_in_zh_hant_have_no_english(tmp_path, capsys):
    call_command(
        "import_agencies", str(write_csv(tmp_path, "F-01,民政局,first-level,,overall,,,,,\n"))
    )
    with pytest.raises(CommandError) as exc:
        call_command("import_agencies", str(write_csv(tmp_path, "")), "--cycle", "130")
    for text in (capsys.readouterr().out.strip(), str(exc.value)):
        assert text in ("匯入完成：新增 1 個、更新 0 個", "民國 130 年度不存在；未寫入任何資料")
        assert not any("a" <= ch.lower() <= "z" for ch in text), text
