"""Recording and importing field tests (CITY-8, CITY-9)."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.agencies.enums import PersonRole
from serviceeval.agencies.models import Person
from serviceeval.core.models import AuditEvent
from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
from serviceeval.fieldtests.selectors import faults, field_test_figures, monthly_trend
from serviceeval.fieldtests.services import FieldTestError, mystery_visit_record
from tests.fieldtests.helpers import a_tester, at, call, city_cycle

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def test_call_all_items_met_scores_100_city_9():
    cycle, (a, *_rest) = city_cycle(1)
    test = call(cycle, a, a_tester())
    assert test.part_scores == {"switchboard": "45", "business": "55"}
    assert field_test_figures(cycle=cycle, agency_ids=[a.pk])[a.pk]["phone"] == Decimal(100)


def test_call_score_is_mean_of_rescaled_parts_city_9():
    cycle, (a,) = city_cycle(1)
    # switchboard misses the 25-point speed item: 20/45 → 44.44…; business 55/55 → 100
    call(cycle, a, a_tester(), missing={"sw_answer_speed"})
    avg = field_test_figures(cycle=cycle, agency_ids=[a.pk])[a.pk]["phone"]
    assert str(avg) == "72.22"  # published: the exact mean rounded once


def test_call_with_one_part_tested_uses_that_part_only_city_9():
    cycle, (a,) = city_cycle(1)
    test = call(cycle, a, a_tester(), parts=("business",), missing={"biz_answer_correct"})
    assert test.part_scores == {"business": "40"}
    avg = field_test_figures(cycle=cycle, agency_ids=[a.pk])[a.pk]["phone"]
    assert str(avg) == "72.73"  # published: the exact mean rounded once


def test_yearly_average_is_mean_of_calls_city_9():
    cycle, (a, b) = city_cycle(2)
    who = a_tester()
    call(cycle, a, who)
    call(cycle, a, who, parts=("business",), missing={"biz_answer_speed", "biz_answer_correct"})
    figures = field_test_figures(cycle=cycle, agency_ids=[a.pk, b.pk])
    assert str(figures[a.pk]["phone"]) == "72.73"  # (100 + 45.45…) / 2, published
    assert {k: v for k, v in figures[a.pk].items() if k != "phone"} == {
        "mystery": None,
        "phone_calls": 2,
        "mystery_visits": 0,
    }
    assert figures[b.pk] == {"phone": None, "mystery": None, "phone_calls": 0, "mystery_visits": 0}


def test_field_test_figures_two_queries(django_assert_num_queries):
    cycle, agencies = city_cycle(3)
    for a in agencies:
        call(cycle, a, a_tester())
    cycle.program.spec  # parsed once per instance
    with django_assert_num_queries(2):
        field_test_figures(cycle=cycle, agency_ids=[a.pk for a in agencies])


def test_tester_cannot_test_own_agency_city_9():
    cycle, (a,) = city_cycle(1)
    with pytest.raises(FieldTestError, match="自己所屬"):
        call(cycle, a, a_tester(agency=a))
    assert PhoneTest.objects.count() == 0


def test_call_outside_cycle_year_refused():
    cycle, (a,) = city_cycle(1)
    with pytest.raises(FieldTestError) as refused:
        call(cycle, a, a_tester(), when=at(2026, 12, 31, 10))
    assert str(refused.value) == "日期須在民國116年內。"


def test_field_test_messages_in_english_and_zh_hant_without_english(tmp_path, capsys):
    """Issue 15 item 2: the refusals and the import lines follow the active language."""
    cycle, (a,) = city_cycle(1)
    with translation.override("en"), pytest.raises(FieldTestError) as refused:
        call(cycle, a, a_tester(agency=a))
    assert str(refused.value) == "A tester cannot test their own agency."
    path = write_csv(
        tmp_path,
        "calls.csv",
        "agency,date,tester,tested_staff,switchboard,business\nNOPE,2027-13-05,nobody,,?,\n",
    )
    with translation.override("en"), pytest.raises(CommandError, match="nothing was stored"):
        call_command("import_phone_tests", "--cycle", "116", path)
    assert capsys.readouterr().err.strip() == (
        "row 2：agency “NOPE” does not exist；"
        "date “2027-13-05” cannot be read (write it like 2027-03-05 or 116/03/05)；"
        "tester “nobody” does not exist; add --add-testers to create the account；"
        "column “switchboard”: “?” is not a number"
    )
    with pytest.raises(CommandError):
        call_command("import_phone_tests", "--cycle", "116", path)
    line = capsys.readouterr().err.strip()
    assert line.startswith("第 2 列：機關「NOPE」不存在；日期「2027-13-05」無法辨識")
    # No English left besides what the row itself says and the option to type.
    rest = line
    for typed in ("NOPE", "nobody", "switchboard", "--add-testers", "2027-13-05"):
        rest = rest.replace(typed, "")
    assert not any("a" <= c.lower() <= "z" for c in rest), rest


def test_call_without_part_refused():
    cycle, (a,) = city_cycle(1)
    with pytest.raises(FieldTestError):
        call(cycle, a, a_tester(), parts=())


def test_tested_staff_recorded_as_person_of_agency():
    cycle, (a,) = city_cycle(1)
    test = call(cycle, a, a_tester(), staff="接線生小美")
    assert (test.tested_staff.agency, test.tested_staff.cycle, test.tested_staff.role) == (
        a,
        cycle,
        PersonRole.TESTED_STAFF,
    )


def test_call_is_audited():
    cycle, (a,) = city_cycle(1)
    test = call(cycle, a, a_tester())
    event = AuditEvent.objects.get(action="phone_test_recorded", object_id=str(test.pk))
    assert event.after["score"] == "100"


def test_common_faults_count_item_deductions_city_9():
    cycle, (a, b) = city_cycle(2)
    who = a_tester()
    call(cycle, a, who, missing={"sw_greeting"})
    call(cycle, b, who, missing={"sw_greeting", "biz_tone"})
    rows = faults(cycle, "phone")
    assert [(r["code"], r["count"], r["of"]) for r in rows] == [
        ("sw_greeting", 2, 2),
        ("biz_tone", 1, 2),
    ]


def test_monthly_trend():
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    call(cycle, a, who, when=at(2027, 3, 1))
    call(cycle, a, who, when=at(2027, 5, 1), parts=("business",), missing={"biz_answer_correct"})
    trend = monthly_trend(cycle)
    assert [(t["month"], t["phone_calls"]) for t in trend] == [(3, 1), (5, 1)]
    assert trend[0]["phone"] == Decimal(100)


def test_visit_score_from_checklist_city_8():
    cycle, (a,) = city_cycle(1)
    sections = cycle.program.spec.mystery_sections
    met = {i.code: True for s in sections for i in s.items}
    met["sit_handling"] = False  # 6 points
    photo = SimpleUploadedFile("counter.png", PNG, content_type="image/png")
    visit = mystery_visit_record(
        cycle=cycle,
        agency=a,
        tester=a_tester(),
        visited_at=at(),
        items=met,
        tested_staff="櫃台甲",
        photos=[photo],
    )
    assert visit.score == Decimal(94)
    assert visit.photos.count() == 1
    assert field_test_figures(cycle=cycle, agency_ids=[a.pk])[a.pk]["mystery"] == Decimal(94)


def test_visit_photo_with_wrong_content_refused_city_8():
    from django.core.exceptions import ValidationError

    cycle, (a,) = city_cycle(1)
    bad = SimpleUploadedFile("counter.png", b"not a png at all", content_type="image/png")
    with pytest.raises(ValidationError):
        mystery_visit_record(
            cycle=cycle, agency=a, tester=a_tester(), visited_at=at(), items={}, photos=[bad]
        )
    assert MysteryVisit.objects.count() == 0


# --- imports -----------------------------------------------------------------------------


def write_csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_import_phone_tests_csv(tmp_path, capsys):
    cycle, (a, b) = city_cycle(2)
    tester_user = a_tester()
    path = write_csv(
        tmp_path,
        "calls.csv",
        "agency,date,tester,tested_staff,switchboard,business\n"
        f"{a.code},2027-03-05,{tester_user.username},小美,45,55\n"
        f"{b.name},2027/04/06 14:30,{tester_user.username},,,27.5\n",
    )
    call_command("import_phone_tests", "--cycle", "116", path)
    assert capsys.readouterr().out.strip() == "匯入完成：2 筆電話測試。"
    figures = field_test_figures(cycle=cycle, agency_ids=[a.pk, b.pk])
    assert (figures[a.pk]["phone"], figures[b.pk]["phone"]) == (Decimal(100), Decimal(50))
    assert Person.objects.filter(agency=a, cycle=cycle, role="tested_staff", name="小美").exists()
    assert faults(cycle, "phone") == []  # imported calls carry no item detail


def test_import_phone_tests_all_or_nothing_one_line_per_bad_row(tmp_path, capsys):
    cycle, (a, b) = city_cycle(2)
    t = a_tester()
    path = write_csv(
        tmp_path,
        "calls.csv",
        "agency,date,tester,tested_staff,switchboard,business\n"
        f"{a.code},2027-03-05,{t.username},,45,55\n"
        f"NOPE,2027-03-05,{t.username},,46,\n"
        f"{b.code},2026-03-05,ghost,,,\n",
    )
    with pytest.raises(CommandError, match="^匯入失敗，未寫入任何資料。$"):
        call_command("import_phone_tests", "--cycle", "116", path)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "第 3 列：機關「NOPE」不存在；「switchboard」欄須介於 0 與 45 之間",
        "第 4 列：日期「2026-03-05」不在民國116年內；"
        "測試員「ghost」不存在，可加 --add-testers 建立；至少須有一個部分的分數",
    ]
    assert PhoneTest.objects.count() == 0


def test_import_phone_tests_add_testers_creates_tester_accounts(tmp_path):
    cycle, (a,) = city_cycle(1)
    path = write_csv(
        tmp_path,
        "calls.csv",
        "agency,date,tester,tested_staff,switchboard,business\n"
        f"{a.code},2027-03-05,newtester,,45,\n",
    )
    call_command("import_phone_tests", "--cycle", "116", "--add-testers", path)
    assert User.objects.get(username="newtester").role == Role.TESTER
    assert PhoneTest.objects.get().tester.username == "newtester"


def test_import_phone_tests_tester_of_the_agency_refused(tmp_path, capsys):
    cycle, (a,) = city_cycle(1)
    t = a_tester(agency=a)
    path = write_csv(
        tmp_path,
        "calls.csv",
        "agency,date,tester,tested_staff,switchboard,business\n"
        f"{a.code},2027-03-05,{t.username},,45,55\n",
    )
    with pytest.raises(CommandError):
        call_command("import_phone_tests", "--cycle", "116", path)
    assert "自己所屬" in capsys.readouterr().err


def test_import_phone_tests_xlsx(tmp_path):
    from openpyxl import Workbook

    cycle, (a,) = city_cycle(1)
    t = a_tester()
    wb = Workbook()
    ws = wb.active
    ws.append(["agency", "date", "tester", "tested_staff", "switchboard", "business"])
    ws.append([a.code, "116/03/05", t.username, "", 36, 44])
    path = tmp_path / "calls.xlsx"
    wb.save(path)
    call_command("import_phone_tests", "--cycle", "116", str(path))
    assert field_test_figures(cycle=cycle, agency_ids=[a.pk])[a.pk]["phone"] == Decimal(80)


def test_import_missing_column_refused(tmp_path):
    city_cycle(1)
    path = write_csv(tmp_path, "calls.csv", "agency,date,tester\nX,2027-01-01,t\n")
    with pytest.raises(CommandError, match="缺少欄位"):
        call_command("import_phone_tests", "--cycle", "116", path)


def test_import_mystery_visits_csv(tmp_path):
    cycle, (a, b) = city_cycle(2)
    t = a_tester()
    path = write_csv(
        tmp_path,
        "visits.csv",
        "agency,date,tester,tested_staff,score\n"
        f"{a.code},2027-03-05,{t.username},櫃台甲,92.5\n"
        f"{b.code},2027-03-06,{t.username},,80\n",
    )
    call_command("import_mystery_visits", "--cycle", "116", path)
    figures = field_test_figures(cycle=cycle, agency_ids=[a.pk, b.pk])
    assert (figures[a.pk]["mystery"], figures[b.pk]["mystery"]) == (Decimal("92.5"), Decimal(80))


def test_import_mystery_visits_unknown_tester_refused_then_added_with_add_testers(tmp_path, capsys):
    """Issue 5 item 6: a tester by username, created as a tester only with --add-testers."""
    cycle, (a,) = city_cycle(1)
    path = write_csv(
        tmp_path,
        "visits.csv",
        f"agency,date,tester,tested_staff,score\n{a.code},2027-03-05,visitor9,櫃台乙,88\n",
    )
    with pytest.raises(CommandError, match="未寫入任何資料"):
        call_command("import_mystery_visits", "--cycle", "116", path)
    err = capsys.readouterr().err
    assert "visitor9" in err and "--add-testers" in err
    assert not User.objects.filter(username="visitor9").exists()
    assert MysteryVisit.objects.count() == 0

    call_command("import_mystery_visits", "--cycle", "116", "--add-testers", path)
    assert capsys.readouterr().out.strip().splitlines() == [
        "匯入完成：1 筆神秘客稽核紀錄。",
        "已新增測試員帳號：visitor9",
    ]
    made = User.objects.get(username="visitor9")
    assert made.role == Role.TESTER and made.agency is None and not made.has_usable_password()
    visit = MysteryVisit.objects.get()
    assert (visit.tester, visit.agency, visit.score) == (made, a, Decimal(88))
    assert Person.objects.filter(agency=a, cycle=cycle, role="tested_staff", name="櫃台乙").exists()


def test_import_mystery_visits_bad_score(tmp_path, capsys):
    cycle, (a,) = city_cycle(1)
    t = a_tester()
    path = write_csv(
        tmp_path,
        "visits.csv",
        "agency,date,tester,tested_staff,score\n"
        f"{a.code},2027-03-05,{t.username},,100.5\n"
        f"{a.code},2027-03-05,{t.username},,abc\n",
    )
    with pytest.raises(CommandError):
        call_command("import_mystery_visits", "--cycle", "116", path)
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "第 2 列：「score」欄須介於 0 與 100 之間",
        "第 3 列：「score」欄「abc」不是數字",
    ]
    assert MysteryVisit.objects.count() == 0


def test_import_too_long_tested_staff_named(tmp_path, capsys):
    cycle, (a,) = city_cycle(1)
    t = a_tester()
    path = write_csv(
        tmp_path,
        "visits.csv",
        f"agency,date,tester,tested_staff,score\n{a.code},2027-03-05,{t.username},{'長' * 81},90\n",
    )
    with pytest.raises(CommandError):
        call_command("import_mystery_visits", "--cycle", "116", path)
    assert capsys.readouterr().err.strip() == "第 2 列：「tested_staff」超過 80 字"


def write_ods(tmp_path, name, header, rows):
    from serviceeval.exports.writers import Sheet
    from serviceeval.exports.writers import write_ods as ods_bytes

    path = tmp_path / name
    path.write_bytes(ods_bytes([Sheet("s", header, rows)]))
    return str(path)


def test_import_phone_tests_ods(tmp_path, capsys):
    cycle, (a, b) = city_cycle(2)
    t = a_tester()
    path = write_ods(
        tmp_path,
        "calls.ods",
        ["agency", "date", "tester", "tested_staff", "switchboard", "business"],
        [
            [a.code, "2027-03-05", t.username, "小美", 45, 55],
            [b.name, "116/04/06", t.username, "", None, Decimal("27.5")],
        ],
    )
    call_command("import_phone_tests", "--cycle", "116", path)
    assert "匯入完成：2 筆電話測試。" in capsys.readouterr().out
    figures = field_test_figures(cycle=cycle, agency_ids=[a.pk, b.pk])
    assert (figures[a.pk]["phone"], figures[b.pk]["phone"]) == (Decimal(100), Decimal(50))
    assert Person.objects.filter(agency=a, cycle=cycle, role="tested_staff", name="小美").exists()


def test_import_mystery_visits_ods(tmp_path):
    cycle, (a, b) = city_cycle(2)
    t = a_tester()
    path = write_ods(
        tmp_path,
        "visits.ods",
        ["agency", "date", "tester", "tested_staff", "score"],
        [
            [a.code, "2027-03-05", t.username, "櫃台甲", Decimal("92.5")],
            [b.code, "2027-03-06", t.username, "", 80],
        ],
    )
    call_command("import_mystery_visits", "--cycle", "116", path)
    figures = field_test_figures(cycle=cycle, agency_ids=[a.pk, b.pk])
    assert (figures[a.pk]["mystery"], figures[b.pk]["mystery"]) == (Decimal("92.5"), Decimal(80))
    assert MysteryVisit.objects.count() == 2
