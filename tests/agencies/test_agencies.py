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
    assert capsys.readouterr().out.strip() == "匯入完成 imported: 2 created, 0 updated"
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
    assert str(exc.value) == "匯入失敗，未寫入任何資料 (6 problems; nothing stored)"
    assert capsys.readouterr().err.strip().splitlines() == [
        "第 3 列 (row 3): group「9」不存在 (unknown group; known: 1, 2, 3)",
        "第 3 列 (row 3): subordinate 機關須填 parent (a subordinate agency needs a parent)",
        "第 4 列 (row 4): code「F-01」與第 2 列重複 (duplicate code)",
        "第 4 列 (row 4): kind「planet」應為 first-level、subordinate 或 district-office",
        "第 4 列 (row 4): category「both」應為 overall 或 project",
        "第 5 列 (row 5): parent「X-99」不存在 (unknown parent agency)",
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
    assert str(exc.value) == "第 1 列缺少欄位: kind, category (missing columns)"


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
