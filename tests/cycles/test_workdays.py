"""Deadlines on non-working days (SPEC §3.3, 行政程序法 §48) and the office's
working-day calendar (`import_calendar`, the calendar page)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from serviceeval.accounts.enums import Role
from serviceeval.core.models import AuditEvent
from serviceeval.cycles.models import CalendarDay
from serviceeval.engine.workdays import effective_deadline, is_working_day
from tests.factories import make_cycle, post_confirmed, user_for

TAIPEI = ZoneInfo("Asia/Taipei")
HEADER = "西元日期,星期,是否放假,備註"


def at(y, m, d, hh=23, mm=59, ss=59):
    return datetime(y, m, d, hh, mm, ss, tzinfo=TAIPEI)


def test_a_deadline_on_a_saturday_moves_to_the_end_of_monday_spec_3_3():
    assert effective_deadline(at(2019, 8, 31, 17, 0, 0), {}) == at(2019, 9, 2)


def test_a_holiday_before_a_weekend_moves_past_all_of_it_spec_3_3():
    days = {date(2027, 4, 30): True}  # Friday off (調整放假), then the weekend
    assert effective_deadline(at(2027, 4, 30), days) == at(2027, 5, 3)


def test_a_make_up_working_saturday_keeps_the_deadline_spec_3_3():
    days = {date(2027, 4, 24): False}  # 補行上班
    assert is_working_day(date(2027, 4, 24), days)
    assert effective_deadline(at(2027, 4, 24, 12, 0, 0), days) == at(2027, 4, 24, 12, 0, 0)
    # A holiday followed by a make-up working Saturday: the Saturday is the next working day.
    days = {date(2027, 4, 23): True, date(2027, 4, 24): False}
    assert effective_deadline(at(2027, 4, 23), days) == at(2027, 4, 24)


def calendar_csv(tmp_path, lines, name="115.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding=encoding)
    return str(path)


def year_rows(year, off=(), working=(), notes=None):
    """Every day of a Gregorian year as the government file lists it."""
    notes = notes or {}
    d, out = date(year, 1, 1), []
    while d.year == year:
        is_off = (d.weekday() >= 5 or d in off) and d not in working
        weekday = "一二三四五六日"[d.weekday()]
        out.append(f"{d:%Y%m%d},{weekday},{2 if is_off else 0},{notes.get(d, '')}")
        d = date.fromordinal(d.toordinal() + 1)
    return out


@pytest.mark.django_db
def test_cycle_deadline_on_a_saturday_moves_without_a_calendar_and_warns(client):
    """HSC-6 report due 31 August; in 2019 (民國108) a Saturday → Monday 2 September. The
    period bounds (not deadlines) stay; the office is told the year has no calendar."""
    cycle = make_cycle(year=108)
    ms = {m.code: m for m in cycle.milestones.all()}
    assert ms["report_due"].nominal_at == at(2019, 8, 31)
    assert ms["report_due"].at == at(2019, 9, 2)
    assert "行政程序法第48條" in ms["report_due"].moved_note
    assert ms["period_end"].at == at(2019, 7, 31)  # a Wednesday, and not a deadline anyway
    client.force_login(user_for(Role.COORDINATOR))
    html = client.get("/cycles/108/").content.decode()
    assert "民國108年尚無辦公日曆" in html
    assert "民國108年9月2日 23:59" in html and "已順延" in html


@pytest.mark.django_db
def test_import_calendar_moves_deadlines_and_is_audited(tmp_path, capsys):
    """CITY-2 plan due 30 April 2027 (民國116): a Friday made a day off (調整放假) → the
    end of Monday 3 May; a holiday followed by a make-up working day is read as such."""
    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    assert cycle.milestones.get(code="plan_due").at == at(2027, 4, 30)
    rows = year_rows(
        2027,
        off={date(2027, 4, 30)},
        working={date(2027, 4, 24)},
        notes={date(2027, 4, 30): "調整放假", date(2027, 4, 24): "補行上班"},
    )
    call_command("import_calendar", calendar_csv(tmp_path, rows))
    out = capsys.readouterr().out
    assert out.strip() == "匯入完成：2027（民國116年）：共 365 天，其中放假 104 天；順延期限 1 個"
    plan = cycle.milestones.get(code="plan_due")
    assert plan.at == at(2027, 5, 3)
    assert "調整放假" in plan.moved_note
    assert CalendarDay.objects.get(date=date(2027, 4, 24)).day_off is False
    assert AuditEvent.objects.filter(action="calendar_imported").exists()
    assert AuditEvent.objects.filter(action="milestones_moved").exists()
    # The same year again replaces it: 30 April works again, the deadline comes back.
    call_command("import_calendar", calendar_csv(tmp_path, year_rows(2027), name="again.csv"))
    assert cycle.milestones.get(code="plan_due").at == at(2027, 4, 30)
    assert CalendarDay.objects.filter(date__year=2027).count() == 365


@pytest.mark.django_db
def test_import_calendar_refuses_bad_rows_naming_each_and_stores_nothing(tmp_path, capsys):
    lines = [
        "20270101,五,2,開國紀念日",
        "2027-01-02,六,2,",
        "20270103,日,1,",
        "20270104,二,0,",
        "20270101,五,2,",
    ]
    with pytest.raises(CommandError, match="^匯入失敗（4 個問題），未寫入任何資料$"):
        call_command("import_calendar", calendar_csv(tmp_path, lines))
    err = capsys.readouterr().err
    assert "第 3 列：西元日期「2027-01-02」應為 YYYYMMDD" in err
    assert "第 4 列：是否放假「1」應為 2（放假）或 0（上班）" in err
    assert "第 5 列：星期「二」與 20270104 不符（應為一）" in err
    assert "第 6 列：西元日期 20270101 重複" in err
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_import_calendar_reads_the_big5_file_the_government_publishes(tmp_path):
    path = calendar_csv(tmp_path, ["20270101,五,2,開國紀念日"], encoding="cp950")
    call_command("import_calendar", path)
    assert CalendarDay.objects.get().note == "開國紀念日"


@pytest.mark.django_db
def test_calendar_page_import_add_and_remove_a_day(client, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    office = user_for(Role.COORDINATOR)
    client.force_login(office)
    assert client.get("/calendar/?year=116").status_code == 200
    bad = SimpleUploadedFile("cal.csv", f"{HEADER}\n20270230,二,2,\n".encode())
    response = client.post("/calendar/upload/?year=116", {"file": bad})
    assert response.status_code == 400
    assert "第 2 列：西元日期「20270230」應為 YYYYMMDD" in response.content.decode()
    assert not CalendarDay.objects.exists()
    good = SimpleUploadedFile("cal.csv", ("\n".join([HEADER, *year_rows(2027)]) + "\n").encode())
    response = client.post("/calendar/upload/?year=116", {"file": good}, follow=True)
    assert "已匯入民國 116 年共 365 天" in response.content.decode()
    response = client.post(
        "/calendar/day/?year=116",
        {"date": "2027-04-30", "day_off": "1", "note": "調整放假"},
        follow=True,
    )
    html = response.content.decode()
    assert "調整放假" in html and "民國116年4月30日" in html
    assert cycle.milestones.get(code="plan_due").at == at(2027, 5, 3)
    post_confirmed(client, "/calendar/day/delete/", {"date": "2027-04-30"})
    assert cycle.milestones.get(code="plan_due").at == at(2027, 4, 30)
    bad_day = client.post("/calendar/day/?year=116", {"date": "2027-13-01", "day_off": "1"})
    assert bad_day.status_code == 400
    client.force_login(user_for(Role.AGENCY_OFFICER))
    assert client.get("/calendar/").status_code == 403
    assert client.post("/calendar/day/", {"date": "2027-05-01", "day_off": "1"}).status_code == 403


@pytest.mark.django_db
def test_api_gives_the_effective_deadline_beside_the_programs(client):
    make_cycle(year=108)
    client.force_login(user_for(Role.COORDINATOR))
    data = client.get("/api/v1/cycles/108").json()
    due = next(m for m in data["milestones"] if m["code"] == "report_due")
    assert (due["at"][:10], due["nominal_at"][:10], due["deadline"]) == (
        "2019-09-02",
        "2019-08-31",
        True,
    )
    assert "行政程序法第48條" in due["moved_note"]


@pytest.mark.django_db
def test_the_agency_sees_the_moved_deadline_and_why_on_its_submission(client):
    """Every page that shows a deadline shows the effective one and says why it moved."""
    from serviceeval.cycles.services import calendar_day_set
    from tests.submissions.conftest import build_world

    w = build_world(program_code="city-service-upgrade")
    agency = w.agency
    calendar_day_set(day=date(2027, 4, 30), day_off=True, note="調整放假", actor=None)
    client.force_login(w.officer)
    html = client.get(f"/submissions/116/plan/{agency.pk}/").content.decode()
    assert "民國116年5月3日 23:59" in html
    assert "已順延" in html and "調整放假" in html


@pytest.mark.django_db
def test_import_calendar_speaks_english_when_english_is_active(tmp_path, capsys):
    from django.utils import translation

    with translation.override("en"), pytest.raises(CommandError) as exc:
        call_command("import_calendar", calendar_csv(tmp_path, ["20270104,二,0,"]))
    assert str(exc.value) == "The import failed (problems: 1); nothing was stored."
    assert capsys.readouterr().err.strip() == "row 2：星期 “二” does not match 20270104 (it is 一)."


@pytest.mark.django_db
def test_import_calendar_in_zh_hant_has_no_english_besides_its_values(tmp_path, capsys):
    with pytest.raises(CommandError) as exc:
        call_command("import_calendar", calendar_csv(tmp_path, ["2027-01-02,六,2,"]))
    err = capsys.readouterr().err.strip()
    assert err == "第 2 列：西元日期「2027-01-02」應為 YYYYMMDD"
    for text in (str(exc.value), err.replace("YYYYMMDD", "")):
        assert not any("a" <= ch.lower() <= "z" for ch in text), text
