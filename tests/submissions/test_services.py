"""Workflow, locking, concurrency and content rules of plans and reports."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from serviceeval.core.models import AuditEvent
from serviceeval.submissions import services
from serviceeval.submissions.enums import EventKind, State
from serviceeval.submissions.models import Reopen
from serviceeval.submissions.selectors import previous_metrics, report_for_reviewer
from serviceeval.submissions.services import EntryInput, SaveInput

from .conftest import PDF, build_world
from .helpers import approved_and_submitted, complete_input, plan, report, save


@pytest.mark.django_db
def test_draft_saves_without_being_complete_hsc6(world):
    sub = report(world)
    changed = save(
        sub, world.officer, SaveInput(entries={"1.1.1.1": EntryInput(narrative="一處收件")})
    )
    sub.refresh_from_db()
    assert changed == ["entry:1.1.1.1"]
    assert sub.state == State.DRAFT
    assert sub.version == 1
    assert sub.entries.get().narrative == "一處收件"
    assert [e.kind for e in sub.events.all()] == [EventKind.SAVE]
    assert AuditEvent.objects.filter(action="submission_saved", object_id=str(sub.pk)).count() == 1


@pytest.mark.django_db
def test_saving_nothing_new_changes_nothing(world):
    sub = report(world)
    data = SaveInput(entries={"1.1.1.1": EntryInput(narrative="x" * 10)})
    save(sub, world.officer, data)
    assert (
        save(sub, world.officer, SaveInput(entries={"1.1.1.1": EntryInput(narrative="x" * 10)}))
        == []
    )
    sub.refresh_from_db()
    assert sub.version == 1


@pytest.mark.django_db
def test_stale_save_is_refused_and_lists_what_changed(world):
    sub = report(world)
    save(sub, world.officer, SaveInput(entries={"1.1.1.1": EntryInput(narrative="第一版內容")}))
    # Two people open version 1; the head saves first.
    save(
        sub,
        world.head,
        SaveInput(entries={"1.1.1.2": EntryInput(narrative="首長修改的內容")}),
        version=1,
    )
    with pytest.raises(services.StaleSubmission) as exc:
        save(
            sub,
            world.officer,
            SaveInput(entries={"1.1.1.1": EntryInput(narrative="承辦人修改")}),
            version=1,
        )
    assert exc.value.changed == ["entry:1.1.1.2"]
    assert exc.value.version == 2
    sub.refresh_from_db()
    assert sub.entries.get(criterion_code="1.1.1.1").narrative == "第一版內容"


@pytest.mark.django_db
def test_full_workflow_city2_draft_approve_submit_return_resubmit_accept(world):
    sub = report(world)
    sub = approved_and_submitted(world, sub)
    assert sub.state == State.SUBMITTED
    services.submission_return(submission=sub, user=world.office, reason="請補充佐證資料")
    sub.refresh_from_db()
    assert sub.state == State.RETURNED
    save(
        sub,
        world.officer,
        SaveInput(
            entries={"1.1.1.1": EntryInput(narrative="補充後的內容說明", self_score=Decimal("50"))}
        ),
    )
    services.submission_approve(submission=sub, user=world.head)
    services.submission_submit(submission=sub, user=world.officer)
    services.submission_accept(submission=sub, user=world.office)
    sub.refresh_from_db()
    assert sub.state == State.ACCEPTED
    assert [(e.kind, e.from_state, e.to_state) for e in sub.events.all()] == [
        ("save", "draft", "draft"),
        ("approve", "draft", "approved"),
        ("submit", "approved", "submitted"),
        ("return", "submitted", "returned"),
        ("save", "returned", "draft"),
        ("approve", "draft", "approved"),
        ("submit", "approved", "submitted"),
        ("accept", "submitted", "accepted"),
    ]
    assert sub.events.get(kind="return").reason == "請補充佐證資料"
    assert sub.events.get(kind="accept").actor == world.office


@pytest.mark.django_db
def test_editing_after_approval_needs_a_new_approval(world):
    sub = report(world)
    save(sub, world.officer, complete_input(sub))
    services.submission_approve(submission=sub, user=world.head)
    save(
        sub,
        world.officer,
        SaveInput(entries={"1.1.1.1": EntryInput(narrative="核准後再改", self_score=Decimal("1"))}),
    )
    sub.refresh_from_db()
    assert sub.state == State.DRAFT
    with pytest.raises(services.SubmissionError):
        services.submission_submit(submission=sub, user=world.officer)


@pytest.mark.django_db
def test_only_the_agency_head_approves_city2(world):
    sub = report(world)
    save(sub, world.officer, complete_input(sub))
    with pytest.raises(services.SubmissionError):
        services.submission_approve(submission=sub, user=world.officer)
    with pytest.raises(services.SubmissionError):
        services.submission_approve(submission=sub, user=world.office)


@pytest.mark.django_db
def test_incomplete_report_cannot_be_approved_hsc6(world):
    sub = report(world)
    save(sub, world.officer, SaveInput(entries={"1.1.1.1": EntryInput(narrative="只寫一項")}))
    with pytest.raises(services.Incomplete) as exc:
        services.submission_approve(submission=sub, user=world.head)
    assert "1.1.1.1：尚未填自評分數" in exc.value.problems
    assert len(exc.value.problems) == 26
    assert str(exc.value).startswith("尚未填寫完整：")
    # Issue 15 item 2: no English word in the zh-Hant refusal (codes and names aside).
    assert str(exc.value).count("；") == 25
    with translation.override("en"), pytest.raises(services.Incomplete) as exc:
        services.submission_approve(submission=sub, user=world.head)
    assert "1.1.1.1: the self score is not filled in" in exc.value.problems
    assert str(exc.value).startswith("The submission is not complete yet: ")


@pytest.mark.django_db
def test_refusals_in_zh_hant_have_no_english_and_follow_the_language(world):
    sub = report(world)
    with pytest.raises(services.SubmissionError) as exc:
        services.submission_comment(submission=sub, user=world.office, text=" ")
    assert str(exc.value) == "請先填寫意見內容。"
    with pytest.raises(services.SubmissionError) as exc:
        services.submission_approve(submission=sub, user=world.officer)
    assert str(exc.value) == "僅本機關首長可核定。"
    assert not any("a" <= c.lower() <= "z" for c in str(exc.value))
    with translation.override("en"), pytest.raises(services.SubmissionError) as exc:
        services.submission_approve(submission=sub, user=world.officer)
    assert str(exc.value) == "Only the head of the agency can approve."


@pytest.mark.django_db
def test_return_needs_a_reason(world):
    sub = approved_and_submitted(world, report(world))
    with pytest.raises(services.SubmissionError):
        services.submission_return(submission=sub, user=world.office, reason="  ")


@pytest.mark.django_db
def test_locked_after_deadline_no_save_no_submit_but_office_decides():
    """SPEC §3.3: after the deadline (Asia/Taipei) a submission is locked."""
    w = build_world()
    sub = report(w)
    save(sub, w.officer, complete_input(sub))
    services.submission_approve(submission=sub, user=w.head)
    after = timezone.now() + timedelta(days=3650)
    with pytest.raises(services.SubmissionLocked):
        services.submission_submit(submission=sub, user=w.officer, now=after)
    with pytest.raises(services.SubmissionLocked):
        services.submission_save(
            submission=sub,
            user=w.officer,
            base_version=1,
            data=SaveInput(sections={"survey_method": "x"}),
            now=after,
        )
    services.submission_submit(submission=sub, user=w.officer)
    services.submission_return(
        submission=sub, user=w.office, reason="locked or not, the office decides"
    )


@pytest.mark.django_db
def test_past_cycle_is_locked_until_the_office_reopens_it_with_reason_and_deadline():
    w = build_world(year=105)  # report due 2016-08-31
    sub = report(w)
    with pytest.raises(services.SubmissionLocked) as exc:
        save(sub, w.officer, SaveInput(sections={"survey_method": "電話調查"}))
    assert "民國105年8月31日 23:59" in str(exc.value)
    deadline = timezone.now() + timedelta(days=7)
    services.submission_reopen(
        cycle=w.cycle,
        agency=w.agency,
        kind="report",
        category="overall",
        user=w.office,
        deadline=deadline,
        reason="系統故障補件",
    )
    assert save(sub, w.officer, SaveInput(sections={"survey_method": "電話調查"})) == [
        "section:survey_method"
    ]
    assert Reopen.objects.get().reason == "系統故障補件"
    assert sub.events.filter(kind="reopen").get().actor == w.office
    # The other agency stays locked.
    other = report(w, w.other)
    with pytest.raises(services.SubmissionLocked):
        save(other, w.other_officer, SaveInput(sections={"survey_method": "x"}))


@pytest.mark.django_db
def test_reopen_sends_a_submitted_report_back_for_editing(world):
    sub = approved_and_submitted(world, report(world))
    services.submission_reopen(
        cycle=world.cycle,
        agency=world.agency,
        kind="report",
        category="overall",
        user=world.office,
        deadline=timezone.now() + timedelta(days=1),
        reason="補件",
    )
    sub.refresh_from_db()
    assert sub.state == State.RETURNED


@pytest.mark.django_db
def test_another_agency_cannot_edit(world):
    sub = report(world)
    with pytest.raises(services.SubmissionError):
        save(sub, world.other_officer, SaveInput(sections={"survey_method": "x"}))


@pytest.mark.django_db
def test_web_claim_needs_a_url_city3(world):
    sub = report(world)
    data = complete_input(sub)
    data.entries["2.1.1.3"] = EntryInput(narrative="本局網站每週更新一次", self_score=Decimal("15"))
    save(sub, world.officer, data)
    assert services.completeness_problems(sub) == ["2.1.1.3：敘述提到網站服務但未附網址"]
    save(
        sub, world.officer, SaveInput(urls=[("2.1.1.3", "https://www.example.gov.tw/", "本局網站")])
    )
    assert services.completeness_problems(sub) == []


@pytest.mark.django_db
def test_duplicate_text_under_two_dimensions_warns_city3(city):
    sub = report(city)
    text = "- 推動一處收件全程服務，縮短等候時間\n- 設置服務台"
    save(
        sub,
        city.officer,
        SaveInput(
            entries={
                "1": EntryInput(narrative=text),
                "2": EntryInput(narrative="・推動一處收件 全程服務，縮短等候時間"),
            }
        ),
    )
    warnings = services.warnings_for(sub)
    assert warnings == [
        "相同文字出現在不同評核構面（1, 2）：「推動一處收件全程服務，縮短等候時間」"
    ]


@pytest.mark.django_db
def test_project_report_needs_the_city4_blocks():
    w = build_world(program_code="city-service-upgrade", category="project")
    sub = report(w)
    data = complete_input(sub)
    data.sections["project_cost_budget"] = ""
    save(sub, w.officer, data)
    sub.refresh_from_db()
    assert services.completeness_problems(sub) == ["「成本：經費」尚未填寫"]


@pytest.mark.django_db
def test_plan_needs_its_six_sections_city2(city):
    sub = plan(city)
    save(sub, city.officer, SaveInput(sections={"cover": "封面"}))
    sub.refresh_from_db()
    assert len(services.completeness_problems(sub)) == 5
    save(sub, city.officer, complete_input(sub))
    services.submission_approve(submission=sub, user=city.head)


@pytest.mark.django_db
def test_evidence_file_is_stored_under_a_random_name(world):
    sub = report(world)
    upload = SimpleUploadedFile("服務流程圖.pdf", PDF, content_type="application/pdf")
    save(sub, world.officer, SaveInput(files=[("1.1.1.1", upload)]))
    ev = sub.evidence.get()
    assert ev.name == "服務流程圖.pdf"
    assert ev.file.name.startswith("evidence/")
    assert "服務流程圖" not in ev.file.name
    assert ev.criterion_code == "1.1.1.1"


@pytest.mark.django_db
def test_last_year_figures_come_from_the_previous_cycle_hsc8(db):
    w = build_world(year=116)
    sub = report(w)
    save(sub, w.officer, SaveInput(metrics={"online_cases": (Decimal("1200"), None)}))
    from serviceeval.cycles.models import Participant
    from tests.factories import make_cycle

    nxt = make_cycle(
        year=117, program_code="hsinchu-105", agencies=type(w.agency).objects.filter(pk=w.agency.pk)
    )
    assert Participant.objects.filter(cycle=nxt).count() == 1
    assert previous_metrics(nxt, w.agency) == {"online_cases": Decimal("1200.00")}


@pytest.mark.django_db
def test_report_for_reviewer_contract(world):
    assert report_for_reviewer(cycle=world.cycle, agency=world.agency) is None
    sub = report(world)
    data = complete_input(sub)
    data.entries["1.1.1.2"] = EntryInput(
        narrative="本局業務均已線上辦理", not_applicable=True, na_reason="本局無臨櫃申辦案件"
    )
    data.entries["1.1.1.1"] = EntryInput(
        narrative="全功能櫃台", self_score=Decimal("55.5"), planned=True
    )
    data.files = [("1.1.1.1", SimpleUploadedFile("a.pdf", PDF))]
    data.urls = [("1.1.1.1", "https://example.gov.tw/x", "")]
    save(sub, world.officer, data)
    # A draft is not shown to the panel.
    assert report_for_reviewer(cycle=world.cycle, agency=world.agency) is None
    services.submission_approve(submission=sub, user=world.head)
    services.submission_submit(submission=sub, user=world.officer)
    view = report_for_reviewer(cycle=world.cycle, agency=world.agency)
    e = view.entries_by_code["1.1.1.1"]
    assert (e.narrative, e.self_score, e.not_applicable, e.planned) == (
        "全功能櫃台",
        Decimal("55.50"),
        False,
        True,
    )
    ev_file = sub.evidence.get(kind="file")
    assert [(i.name, i.url) for i in e.evidence] == [
        ("a.pdf", f"/submissions/evidence/{ev_file.pk}/"),
        ("https://example.gov.tw/x", "https://example.gov.tw/x"),
    ]
    na = view.entries_by_code["1.1.1.2"]
    assert (na.not_applicable, na.na_reason, na.self_score) == (True, "本局無臨櫃申辦案件", None)


@pytest.mark.django_db
def test_return_sends_an_email_to_the_agency_staff(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """SPEC §4: the office's return tells the agency's officers and heads, in the
    app and by e-mail (the notifications app), with the office's reason."""
    from serviceeval.notifications.models import Notification

    world.officer.email = "officer@example.gov.tw"
    world.officer.save()
    sub = approved_and_submitted(world, report(world))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.submission_return(submission=sub, user=world.office, reason="請補充佐證")
    returned = [m for m in mailoutbox if "退回" in m.subject]
    assert [(m.to, m.subject) for m in returned] == [
        (["officer@example.gov.tw"], f"{world.agency.name}：您的績效報告已被退回修正")
    ]
    assert "請補充佐證" in returned[0].body
    event = sub.events.get(kind="return")
    notices = Notification.objects.filter(key=f"submission_returned:{event.pk}")
    assert {n.user for n in notices} == {world.officer, world.head}


@pytest.mark.django_db
def test_a_marked_criterion_needs_its_reason_and_its_actual_execution_city3(world):
    """CITY-3: "not applicable" and "little room left to grow" (再成長空間有限) both
    need a stated reason and the actual execution, and carry no self score (issue
    13); the panel sees the mark."""
    sub = report(world)
    data = complete_input(sub)
    data.entries["1.1.1.1"] = EntryInput(not_applicable=True, na_reason="本局無臨櫃")
    data.entries["1.1.1.2"] = EntryInput(
        narrative="已達 99%", self_score=Decimal(50), little_room=True
    )
    save(sub, world.officer, data)
    problems = services.completeness_problems(sub)
    assert any(p.startswith("1.1.1.1 ") and "尚未填寫執行成果" in p for p in problems)
    assert "1.1.1.2：勾選「再成長空間有限」須說明原因" in problems
    assert "1.1.1.2：勾選「不適用」或「再成長空間有限」者不填自評分數" in problems
    data.entries["1.1.1.1"] = EntryInput(
        narrative="本局僅受理書面陳情", not_applicable=True, na_reason="本局無臨櫃"
    )
    data.entries["1.1.1.2"] = EntryInput(
        narrative="臨櫃服務滿意度已達 99%",
        little_room=True,
        na_reason="比率已近上限",
    )
    save(sub, world.officer, data)
    assert services.completeness_problems(sub) == []
    services.submission_approve(submission=sub, user=world.head)
    services.submission_submit(submission=sub, user=world.officer)
    view = report_for_reviewer(cycle=world.cycle, agency=world.agency)
    e = view.entries_by_code["1.1.1.2"]
    assert (e.little_room, e.na_reason, e.not_applicable) == (True, "比率已近上限", False)


def test_the_panel_sheet_shows_the_mark_and_its_reason_city3():
    from django.template.loader import render_to_string
    from django.utils import translation

    from serviceeval.submissions.selectors import EntryView

    node = type("Node", (), {"code": "1.1.1.2", "name": "流程簡化", "max_points": 50, "text": ""})
    entry = EntryView(code="1.1.1.2", narrative="滿意度 99%", little_room=True, na_reason="近上限")
    with translation.override("zh-hant"):
        html = render_to_string("reviews/_sheet_criterion.html", {"node": node, "entry": entry})
    assert html.count("再成長空間有限（CITY-3）") == 2  # on the folded summary and inside
    assert "近上限" in html and "滿意度 99%" in html
