"""Pages: a failed save keeps what was typed, stale saves are told what changed,
history on the page, evidence downloads, the office's status page, dashboards."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.submissions import services
from serviceeval.submissions.enums import State
from serviceeval.submissions.models import Submission
from serviceeval.submissions.services import EntryInput, SaveInput
from tests.factories import AgencyFactory, make_cycle, user_for

from .conftest import PDF
from .helpers import approved_and_submitted, report, save


def edit_url(w, kind="report", agency=None):
    return f"/submissions/{w.cycle.year}/{kind}/{(agency or w.agency).pk}/edit/"


def detail_url(w, kind="report", agency=None):
    return f"/submissions/{w.cycle.year}/{kind}/{(agency or w.agency).pk}/"


@pytest.mark.django_db
def test_report_form_has_one_block_per_leaf_criterion_hsc6(client, world):
    client.force_login(world.officer)
    response = client.get(edit_url(world))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<fieldset id="entry-') == 26
    assert 'name="s_3_1_1"' in html and 'max="200.00"' in html


@pytest.mark.django_db
def test_officer_saves_a_draft_with_evidence_file_hsc2(client, world):
    client.force_login(world.officer)
    response = client.post(
        edit_url(world),
        {
            "version": "0",
            "n_1_1_1_1": "- 單一窗口\n- 全功能櫃台",
            "s_1_1_1_1": "55.5",
            "f_1_1_1_1": SimpleUploadedFile("櫃台照片.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    sub = Submission.objects.get()
    entry = sub.entries.get()
    assert (entry.narrative, str(entry.self_score)) == ("- 單一窗口\n- 全功能櫃台", "55.50")
    assert sub.evidence.get().name == "櫃台照片.pdf"


@pytest.mark.django_db
def test_rejected_file_keeps_everything_typed_and_says_why(client, world):
    client.force_login(world.officer)
    response = client.post(
        edit_url(world),
        {
            "version": "0",
            "n_1_1_1_1": "這段文字不能遺失",
            "s_1_1_1_1": "30",
            "sec_survey_method": "電話訪問",
            "f_1_1_1_1": SimpleUploadedFile("惡意.pdf", b"MZ\x90\x00 not a pdf"),
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "這段文字不能遺失" in html
    assert "電話訪問" in html
    assert 'value="30"' in html
    assert "檔案內容與副檔名 .pdf 不符" in html or "does not match" in html
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_self_score_above_max_or_off_step_is_refused_hsc2(client, world):
    client.force_login(world.officer)
    response = client.post(
        edit_url(world),
        {"version": "0", "s_1_1_1_1": "61", "s_1_1_1_2": "10.3", "n_1_1_1_2": "保留"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "1.1.1.2: 自評分數須為 0.5 的倍數" in html
    assert 'value="61"' in html
    assert "保留" in html


@pytest.mark.django_db
def test_not_applicable_needs_a_reason_city3(client, world):
    client.force_login(world.officer)
    response = client.post(edit_url(world), {"version": "0", "na_1_1_1_1": "on"})
    assert response.status_code == 400
    assert "1.1.1.1：勾選「不適用」須敘明原因" in response.content.decode()


@pytest.mark.django_db
def test_little_room_left_to_grow_is_a_mark_with_a_reason_city3(client, world):
    client.force_login(world.officer)
    page = client.get(edit_url(world)).content.decode()
    assert ">再成長空間有限</label>" in page  # the rule ID is no label (issue 15)
    response = client.post(edit_url(world), {"version": "0", "lr_1_1_1_1": "on"})
    assert response.status_code == 400
    assert "1.1.1.1：勾選「再成長空間有限」須說明原因" in response.content.decode()
    both = {"version": "0", "lr_1_1_1_1": "on", "na_1_1_1_1": "on", "nr_1_1_1_1": "已達上限"}
    response = client.post(edit_url(world), both)
    assert response.status_code == 400
    assert "「不適用」與「再成長空間有限」只能擇一勾選" in response.content.decode()
    scored = {"version": "0", "lr_1_1_1_1": "on", "nr_1_1_1_1": "已達上限", "s_1_1_1_1": "10"}
    response = client.post(edit_url(world), scored)
    assert response.status_code == 400
    html = response.content.decode()
    assert "1.1.1.1：勾選「不適用」或「再成長空間有限」者不填自評分數" in html
    assert 'value="10"' in html and "已達上限" in html  # what was typed is kept


@pytest.mark.django_db
def test_stale_save_in_the_page_tells_what_changed_and_keeps_input(client, world):
    sub = report(world)
    save(sub, world.head, SaveInput(entries={"1.1.1.2": EntryInput(narrative="首長先存的內容")}))
    client.force_login(world.officer)
    response = client.post(edit_url(world), {"version": "0", "n_1_1_1_1": "承辦人打的字不能不見"})
    html = response.content.decode()
    assert response.status_code == 409
    assert "此後變更的項目：1.1.1.2 申辦案件流程簡化情形" in html
    assert "承辦人打的字不能不見" in html
    assert 'name="version" value="1"' in html
    sub.refresh_from_db()
    assert not sub.entries.filter(criterion_code="1.1.1.1").exists()
    # Saving again after seeing the message goes through.
    response = client.post(
        edit_url(world),
        {"version": "1", "n_1_1_1_1": "承辦人打的字不能不見", "n_1_1_1_2": "首長先存的內容"},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_locked_submission_refuses_save_with_a_clear_message(client):
    from .conftest import build_world

    w = build_world(year=105)
    client.force_login(w.officer)
    response = client.post(edit_url(w), {"version": "0", "n_1_1_1_1": "逾期後打的字"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "已鎖定" in html
    assert "逾期後打的字" in html
    assert Submission.objects.count() == 0


@pytest.mark.django_db
def test_history_is_shown_on_the_submission_page(client, world):
    sub = approved_and_submitted(world, report(world))
    services.submission_return(submission=sub, user=world.office, reason="請補充滿意度調查方法")
    client.force_login(world.officer)
    html = client.get(detail_url(world)).content.decode()
    assert "請補充滿意度調查方法" in html
    for label in ("儲存", "核定", "已送出", "退回"):
        assert f"<td>{label}</td>" in html


@pytest.mark.django_db
def test_approve_and_submit_buttons_work_from_the_page(client, world):
    from .helpers import complete_input

    sub = report(world)
    save(sub, world.officer, complete_input(sub))
    client.force_login(world.head)
    ok = {"confirmed": "1"}
    assert client.post(detail_url(world) + "approve/", ok).status_code == 302
    client.force_login(world.officer)
    assert client.post(detail_url(world) + "submit/", ok).status_code == 302
    client.force_login(world.office)
    assert client.post(detail_url(world) + "return/", {"reason": "", **ok}).status_code == 302
    sub.refresh_from_db()
    assert sub.state == State.SUBMITTED  # no reason, no return
    client.post(detail_url(world) + "accept/", ok)
    sub.refresh_from_db()
    assert sub.state == State.ACCEPTED


@pytest.mark.django_db
def test_office_reopens_with_reason_and_new_deadline(client):
    from .conftest import build_world

    w = build_world(year=105)
    client.force_login(w.office)
    response = client.post(
        detail_url(w) + "reopen/", {"deadline": "2099-12-31T17:00", "reason": "補件"}
    )
    assert response.status_code == 302
    client.force_login(w.officer)
    assert (
        client.post(edit_url(w), {"version": "0", "n_1_1_1_1": "重新開放後填寫"}).status_code == 302
    )
    html = client.get(detail_url(w)).content.decode()
    assert "民國188年12月31日 17:00" in html


@pytest.mark.django_db
def test_evidence_download_has_content_disposition_and_checks_permission(client, world):
    sub = report(world)
    save(
        sub, world.officer, SaveInput(files=[("1.1.1.1", SimpleUploadedFile("服務 成果.pdf", PDF))])
    )
    ev = sub.evidence.get()
    url = f"/submissions/evidence/{ev.pk}/"
    for user in (world.officer, world.head, world.office):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == (
            "attachment; filename*=utf-8''%E6%9C%8D%E5%8B%99%20%E6%88%90%E6%9E%9C.pdf"
        )
        assert b"".join(response.streaming_content) == PDF
    for user in (world.other_officer, user_for(Role.REVIEWER), user_for(Role.TESTER)):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
def test_hsinchu_cycle_needs_no_plan(client, world):
    client.force_login(world.officer)
    assert client.get(detail_url(world, "plan")).status_code == 404
    client.force_login(world.office)
    html = client.get(f"/submissions/status/?cycle={world.cycle.year}").content.decode()
    assert "本年度不需繳交實施計畫" in html


@pytest.mark.django_db
def test_growth_rates_are_shown_with_dash_when_last_year_is_missing_hsc8(client, world):
    from decimal import Decimal

    sub = report(world)
    save(
        sub,
        world.officer,
        SaveInput(
            metrics={
                "service_satisfaction": (Decimal("92"), Decimal("80")),
                "online_cases": (Decimal("100"), None),
                "online_services": (Decimal("5"), Decimal("0")),
            }
        ),
    )
    client.force_login(world.officer)
    html = client.get(detail_url(world)).content.decode()
    assert 'data-metric="service_satisfaction">15.00%<' in html
    assert 'data-metric="online_cases">—<' in html
    assert 'data-metric="online_services">—<' in html


@pytest.mark.django_db
def test_status_page_filters_by_group_category_and_status(client, db):
    from .conftest import build_world

    w = build_world(program_code="city-service-upgrade")
    district = AgencyFactory(kind=AgencyKind.DISTRICT_OFFICE, category="project", group=None)
    from serviceeval.cycles.services import participant_add

    participant_add(cycle=w.cycle, agency=district, user=None)
    save(report(w), w.officer, SaveInput(sections={"survey_method": "網路問卷"}))
    client.force_login(w.office)
    base = f"/submissions/status/?cycle={w.cycle.year}"
    assert district.name in client.get(base).content.decode()
    assert district.name in client.get(base + "&category=project").content.decode()
    assert w.agency.name not in client.get(base + "&category=project").content.decode()
    html = client.get(base + "&status=draft").content.decode()
    assert w.agency.name in html and w.other.name not in html
    html = client.get(base + "&group=1").content.decode()
    assert w.agency.name in html and district.name not in html


@pytest.mark.django_db
def test_status_page_queries_1_vs_5_agencies(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from serviceeval.cycles.services import participant_add

    office = user_for(Role.COORDINATOR)
    first = AgencyFactory()
    cycle = make_cycle(
        year=116, program_code="city-service-upgrade", agencies=Agency.objects.filter(pk=first.pk)
    )
    client.force_login(office)

    def count():
        from serviceeval.core import memo

        client.get("/submissions/status/")
        memo.clear()  # the full work (a rendered table is kept per revision)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/submissions/status/").status_code == 200
        with CaptureQueriesContext(connection) as warm:
            assert client.get("/submissions/status/").status_code == 200
        return len(ctx.captured_queries), len(warm.captured_queries)

    services.submission_get_or_create(cycle=cycle, agency=first, kind="report", category="overall")
    at_one = count()
    for _i in range(4):
        a = AgencyFactory()
        participant_add(cycle=cycle, agency=a, user=None)
        sub = services.submission_get_or_create(
            cycle=cycle, agency=a, kind="plan", category="overall"
        )
        services.submission_reopen(
            cycle=cycle,
            agency=a,
            kind="report",
            category="overall",
            user=office,
            deadline=sub.created.replace(year=2099),
            reason="r",
        )
    at_five = count()
    assert at_one == at_five
    assert at_one[0] > 5 and at_one[1] < at_one[0]


@pytest.mark.django_db
def test_agency_dashboard_shows_due_and_overdue(client):
    from .conftest import build_world

    old = build_world(year=105)
    client.force_login(old.officer)
    html = client.get("/dashboard/").content.decode()
    assert "我的計畫與報告" in html
    assert "已逾期" in html


@pytest.mark.django_db
def test_office_dashboard_lists_what_waits_for_acceptance(client, world):
    approved_and_submitted(world, report(world))
    client.force_login(world.office)
    html = client.get("/dashboard/").content.decode()
    assert "待同意備查" in html
    assert f"{world.agency.name} 績效報告" in html


@pytest.mark.django_db
def test_first_level_agency_sees_and_comments_on_subordinate_city6(client, city):
    from serviceeval.cycles.services import participant_add

    child = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=city.agency)
    participant_add(cycle=city.cycle, agency=child, user=None)
    child_officer = user_for(Role.AGENCY_OFFICER, agency=child)
    save(report(city, child), child_officer, SaveInput(sections={"survey_method": "臨櫃問卷"}))
    client.force_login(city.officer)
    assert client.get(detail_url(city, agency=child)).status_code == 200
    assert client.get(edit_url(city, agency=child)).status_code == 404
    response = client.post(detail_url(city, agency=child) + "comment/", {"text": "請補充抽樣方法"})
    assert response.status_code == 302
    client.force_login(child_officer)
    assert "請補充抽樣方法" in client.get(detail_url(city, agency=child)).content.decode()
    # The subordinate does not see its parent's submissions.
    assert client.get(detail_url(city)).status_code == 404
    # A subordinate files no plan (CITY-2: first-level agencies and district offices).
    assert client.get(detail_url(city, "plan", agency=child)).status_code == 404


@pytest.mark.django_db
def test_status_page_counts_and_not_started_filter(client, city):
    """CITY cycle: both first-level agencies owe a plan and a report (4 cells)."""
    save(report(city), city.officer, SaveInput(sections={"survey_method": "問卷"}))
    approved_and_submitted(
        city,
        services.submission_get_or_create(
            cycle=city.cycle, agency=city.agency, kind="plan", category="overall"
        ),
    )
    from serviceeval.submissions.selectors import status_page

    page = status_page(city.cycle)
    assert page.counts == {
        "not_started": 2,
        "draft": 1,
        "awaiting_approval": 0,
        "approved": 0,
        "submitted": 1,
        "returned": 0,
        "accepted": 0,
    }
    assert (page.total, page.plan_required) == (2, True)
    assert [r.participant.agency for r in status_page(city.cycle, status="not_started").rows] == [
        city.other
    ]
    assert [r.participant.agency for r in status_page(city.cycle, status="submitted").rows] == [
        city.agency
    ]
    client.force_login(city.office)
    html = client.get(
        f"/submissions/status/?cycle={city.cycle.year}&status=not_started"
    ).content.decode()
    assert city.other.name in html and city.agency.name not in html


@pytest.mark.django_db
def test_status_page_is_paged_by_100(client, db):
    from serviceeval.agencies.models import Group

    g = Group.objects.get(code="1")
    Agency.objects.bulk_create(
        Agency(code=f"P{i:04d}", name=f"分頁機關{i:04d}", kind="first-level", group=g)
        for i in range(101)
    )
    make_cycle(year=116, program_code="hsinchu-105")
    client.force_login(user_for(Role.COORDINATOR))
    first = client.get("/submissions/status/").content.decode()
    assert "1–100 / 101" in first and "分頁機關0099" in first and "分頁機關0100" not in first
    second = client.get("/submissions/status/?page=2").content.decode()
    assert "分頁機關0100" in second and "101–101 / 101" in second
    assert client.get("/submissions/status/?page=abc").status_code == 200


@pytest.mark.django_db
def test_duplicated_text_is_warned_once_as_a_warning_issue15(client, world):
    """Issue 15 item 6: one message per event, of the right kind. Saving a report
    that repeats text across dimensions (CITY-3) says "saved" once, as a success,
    and lists the duplicate once, in the page's warning notice (not as a green
    banner, not twice)."""
    client.force_login(world.officer)
    data = {
        "version": "0",
        "n_1_1_1_1": "- 推動一處收件全程服務\n- 其他不同的項目內容",
        "n_2_1_1_1": "* 推動一處收件 全程服務",
    }
    response = client.post(edit_url(world), data, follow=True)
    page = response.content.decode()
    assert page.count("相同文字出現在不同評核構面") == 1
    assert page.count('class="msg-success"') == 1
    assert 'class="msg-warning"' not in page
    notice = page.split('<div class="notice" role="note">', 1)[1].split("</div>", 1)[0]
    assert "相同文字出現在不同評核構面" in notice and "「推動一處收件全程服務」" in notice
