"""Pages: permissions per role (own / other agency / none → 404), the sheet,
results, calibration, feedback, improvement items, exports, query counts."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import Assignment, Improvement, Sheet
from serviceeval.reviews.presentation import points
from serviceeval.reviews.services import (
    conflict_declare,
    improvement_create,
    publish_results,
)
from tests.factories import post_confirmed, user_for

from .helpers import leaves, score_all, setup_cycle

pytestmark = pytest.mark.django_db


def sheet_url(cycle, agency, round="first"):
    return f"/reviews/cycles/{cycle.year}/agencies/{agency.pk}/sheet/{round}/"


def form_values(cycle, fraction=0.5, version=1, action="save"):
    data = {"version": str(version), "action": action}
    for leaf in leaves(cycle):
        data[f"score_{leaf.code}"] = str(int(leaf.max_points * Decimal(str(fraction))))
        data[f"comment_{leaf.code}"] = f"意見 {leaf.code}"
    return data


# --- the sheet ---------------------------------------------------------------------


def test_assigned_reviewer_scores_saves_and_submits(client):
    cycle, (a, _b), (r1, _r2), office = setup_cycle(2, 2)
    client.force_login(r1)
    html = client.get(sheet_url(cycle, a)).content.decode()
    assert "尚未提交績效報告" in html
    assert 'name="score_1.1.1.1"' in html
    response = client.post(sheet_url(cycle, a), form_values(cycle))
    assert response.status_code == 302
    sheet = Sheet.objects.get(reviewer=r1, agency=a)
    assert (sheet.status, sheet.version) == ("draft", 2)
    asked = client.post(sheet_url(cycle, a), form_values(cycle, version=2, action="submit"))
    assert "要送出 " in asked.content.decode() and 'name="action" value="submit"' in (
        asked.content.decode()
    )
    sheet.refresh_from_db()
    assert sheet.status == "draft"  # the confirmation page changes nothing (issue 13 item 4)
    response = post_confirmed(
        client, sheet_url(cycle, a), form_values(cycle, version=2, action="submit")
    )
    assert response.status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "submitted"
    html = client.get(sheet_url(cycle, a)).content.decode()
    assert "readonly" in html


def test_sheet_inputs_carry_bounds_and_the_totals_add_up(client):
    """Issue 13 item 3: min, max and step on each input; a running total per
    dimension and overall, against the maximum."""
    cycle, (a, _b), (r1, _r2), office = setup_cycle(2, 2)
    client.force_login(r1)
    html = client.get(sheet_url(cycle, a)).content.decode()
    assert 'id="score_1.1.1.1" name="score_1.1.1.1" value="" type="number" min="0" max="60"' in html
    assert (
        'step="0.5"' in html
        and '<form method="post" class="form sheet" novalidate hx-post=' in html
    )
    data = form_values(cycle)
    client.post(sheet_url(cycle, a), data)
    html = client.get(sheet_url(cycle, a)).content.decode()
    total = sum(Decimal(v) for k, v in data.items() if k.startswith("score_"))
    assert f'<output id="total_all" data-total-of="">{points(total)}</output>' in html
    assert 'data-total-of="1"' in html and "1000" in html


def test_error_summary_names_each_bad_criterion_and_links_to_it(client):
    """Issue 13 item 3: the summary lists every bad criterion by code and name,
    links to its input and takes focus; what was typed is kept, even text."""
    cycle, (a, _b), (r1, _r2), office = setup_cycle(2, 2)
    client.force_login(r1)
    data = form_values(cycle)
    data["score_1.1.1.1"] = "75"
    data["score_3.1.1"] = "九"
    html = client.post(sheet_url(cycle, a), data).content.decode()
    summary = html.split('class="error-summary"')[1].split("</section>")[0]
    assert "autofocus" in summary and "2 項評核重點需要修正" in summary
    assert '<a href="#score_1.1.1.1">1.1.1.1 ' in summary and "超出 0–60" in summary
    assert '<a href="#score_3.1.1">3.1.1 ' in summary and "不是數字" in summary
    assert summary.index("1.1.1.1") < summary.index("3.1.1")
    assert 'id="score_3.1.1" name="score_3.1.1" value="九" type="text"' in html
    refused = ("1.1.1.1", "3.1.1")  # they add nothing to the total until corrected
    valid = sum(Decimal(data[f"score_{x.code}"]) for x in leaves(cycle) if x.code not in refused)
    assert f'<output id="total_all" data-total-of="">{points(valid)}</output>' in html


def test_bad_score_keeps_what_was_typed_and_names_the_criterion(client):
    cycle, (a, _b), (r1, _r2), office = setup_cycle(2, 2)
    client.force_login(r1)
    data = form_values(cycle)
    data["score_1.1.1.1"] = "75"
    data["comment_1.1.1.2"] = "保留這段文字"
    response = client.post(sheet_url(cycle, a), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "分數 75 超出 0–60" in html
    assert "(score outside" not in html
    assert 'value="75"' in html
    assert "保留這段文字" in html
    assert Sheet.objects.get().scores.count() == 0


def test_stale_save_is_refused_with_what_changed_and_typed_input_kept(client):
    cycle, (a, _b), (r1, _r2), office = setup_cycle(2, 2)
    client.force_login(r1)
    client.get(sheet_url(cycle, a))
    first = form_values(cycle, 0.5)
    assert client.post(sheet_url(cycle, a), first).status_code == 302
    second = form_values(cycle, 0.8)  # a second tab, still at version 1
    second["comment_3.1.1"] = "第二個分頁的意見"
    response = client.post(sheet_url(cycle, a), second)
    html = response.content.decode()
    assert response.status_code == 409
    assert "第二個分頁的意見" in html
    assert "意見 3.1.1" in html  # the other save's change is listed
    assert 'name="version" value="2"' in html
    assert Sheet.objects.get().scores.get(criterion="3.1.1").score == 100


@pytest.mark.parametrize(
    "role", [Role.COORDINATOR, Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.TESTER]
)
def test_sheet_is_for_reviewers_only(client, role):
    cycle, (a, _b), _reviewers, office = setup_cycle(2, 1)
    client.force_login(user_for(role, agency=a if role.startswith("agency") else None))
    assert client.get(sheet_url(cycle, a)).status_code == 403


def test_unassigned_or_conflicted_reviewer_gets_404(client):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    Assignment.objects.filter(reviewer=r2, agency=b).delete()
    conflict_declare(cycle=cycle, reviewer=r1, agency=a, reason="顧問", actor=r1)
    client.force_login(r2)
    assert client.get(sheet_url(cycle, b)).status_code == 404
    client.force_login(r1)
    assert client.get(sheet_url(cycle, a)).status_code == 404
    assert client.get(sheet_url(cycle, b, "nonsense")).status_code == 404


def test_sheet_page_queries_do_not_grow_with_agencies(client):
    cycle, agencies, (r1,), office = setup_cycle(5, 1)
    client.force_login(r1)
    client.get(sheet_url(cycle, agencies[0]))
    with CaptureQueriesContext(connection) as one:
        client.get(sheet_url(cycle, agencies[0]))
    cycle2, agencies2, (r2,), _office = setup_cycle(1, 1, year=106)
    client.force_login(r2)
    client.get(sheet_url(cycle2, agencies2[0]))
    with CaptureQueriesContext(connection) as five:
        client.get(sheet_url(cycle2, agencies2[0]))
    assert len(one) == len(five)


# --- panel ------------------------------------------------------------------------


def test_office_forms_the_panel_and_assigns(client):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    Assignment.objects.all().delete()
    client.force_login(office)
    newcomer = user_for(Role.REVIEWER)
    url = f"/reviews/cycles/{cycle.year}/panel/"
    assert (
        client.post(
            url, {"action": "add_member", "user": newcomer.pk, "role": "expert"}
        ).status_code
        == 302
    )
    assert (
        client.post(url, {"action": "auto_assign", "per_agency": 2, "round": "first"}).status_code
        == 302
    )
    assert Assignment.objects.count() == 4
    html = client.get(url).content.decode()
    assert "學者專家" in html or "External expert" in html


@pytest.mark.parametrize(
    "role", [Role.REVIEWER, Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.TESTER]
)
def test_panel_page_is_office_only(client, role):
    cycle, (a, _b), _r, office = setup_cycle(2, 1)
    client.force_login(user_for(role))
    assert client.get(f"/reviews/cycles/{cycle.year}/panel/").status_code == 403


# --- results, calibration ------------------------------------------------------------


def test_results_visible_to_office_and_convener_only(client):
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    url = f"/reviews/cycles/{cycle.year}/results/"
    for user, status in ((office, 200), (convener, 200), (member, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    for role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.TESTER):
        client.force_login(user_for(role))
        assert client.get(url).status_code == 403


@pytest.mark.parametrize("n", [1, 5])
def test_results_table_queries_do_not_grow_with_agencies(client, django_assert_num_queries, n):
    cycle, agencies, (r1,), office = setup_cycle(n, 1)
    score_all(cycle, [(a, r1, "0.85") for a in agencies])
    client.force_login(office)
    client.get(f"/reviews/cycles/{cycle.year}/results/")
    with django_assert_num_queries(QUERIES_RESULTS):
        response = client.get(f"/reviews/cycles/{cycle.year}/results/")
    assert response.content.decode().count("甲等") == 2 * n  # grade and final grade


# The rows are computed once per data revision (core.memo): the second request reads
# the revision, not the 26 × agencies × reviewers scores. The first computes them.
# With REDIS_URL (CI) sessions are cached_db: a warm request reads its session from
# Redis, not from the database.
SESSION_QUERY = 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1
QUERIES_RESULTS = 7 + SESSION_QUERY
# Cold: the load adds up the complete rounds (sheets + one GROUP BY) and reads no
# score one by one when every round is complete. Clearing the memo keeps the
# session and the header's unread count in the default cache (core/cacheclear.py).
QUERIES_RESULTS_COLD = 17 + SESSION_QUERY


@pytest.mark.parametrize("n", [1, 5])
def test_results_table_cold_queries_do_not_grow_with_agencies(client, django_assert_num_queries, n):
    from serviceeval.core import memo

    cycle, agencies, (r1,), office = setup_cycle(n, 1)
    score_all(cycle, [(a, r1, "0.85") for a in agencies])
    client.force_login(office)
    client.get(f"/reviews/cycles/{cycle.year}/results/")
    memo.clear()
    with django_assert_num_queries(QUERIES_RESULTS_COLD):
        response = client.get(f"/reviews/cycles/{cycle.year}/results/")
    assert response.content.decode().count("甲等") == 2 * n


def test_convener_sees_the_calibration_flag(client):
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    score_all(
        cycle, [(a, convener, "0.9"), (a, member, "0.5"), (b, convener, "0.8"), (b, member, "0.8")]
    )
    client.force_login(convener)
    html = client.get(f"/reviews/cycles/{cycle.year}/calibration/").content.decode()
    assert "提交會議討論" in html or "Flagged for the panel meeting" in html
    assert a.name in html and b.name not in html
    side = client.get(f"/reviews/cycles/{cycle.year}/calibration/{a.pk}/")
    assert side.status_code == 200
    assert side.content.decode().count('class="flagged"') == 26
    client.force_login(member)
    assert client.get(f"/reviews/cycles/{cycle.year}/calibration/").status_code == 404


def test_office_publishes_from_the_page_and_exports_reopen(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9"), (b, r1, "0.75")])
    client.force_login(office)
    post_confirmed(client, f"/reviews/cycles/{cycle.year}/results/action/", {"action": "publish"})
    cycle.refresh_from_db()
    assert cycle.results_published_at is not None
    data = client.get(f"/reviews/cycles/{cycle.year}/results.xlsx").content
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1][1:6] == (a.code, a.name, "已完成", 900, "甲等")
    assert rows[2][1:6] == (b.code, b.name, "已完成", 750, "乙等")
    text = client.get(f"/reviews/cycles/{cycle.year}/scores.csv").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines[0] == [
        "agency",
        "agency_name",
        "reviewer",
        "reviewer_name",
        "round",
        "criterion",
        "score",
        "comment",
        "status",
    ]
    assert len(lines) == 1 + 2 * 26
    assert lines[1][:8] == [a.code, a.name, r1.username, "", "first", "1.1.1.1", "54.00", "意見"]
    wb = load_workbook(io.BytesIO(client.get(f"/reviews/cycles/{cycle.year}/scores.xlsx").content))
    xrows = list(wb.active.iter_rows(values_only=True))
    assert xrows[1][:7] == (a.code, a.name, r1.username, None, "first", "1.1.1.1", 54)
    assert len(xrows) == 53
    ods = client.get(f"/reviews/cycles/{cycle.year}/results.ods")
    assert ods.content[:2] == b"PK"


def test_publish_refused_on_the_page_with_the_reason(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9")])
    client.force_login(office)
    response = client.post(
        f"/reviews/cycles/{cycle.year}/results/action/", {"action": "publish"}, follow=True
    )
    assert f"尚有機關評分未完成，不可公布：{b.name}" in response.content.decode()


# --- feedback and improvement items ---------------------------------------------------


def test_agency_sees_its_feedback_only_after_publication_and_not_another(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9"), (b, r1, "0.75")])
    officer = user_for(Role.AGENCY_OFFICER, agency=a)
    client.force_login(officer)
    url = f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/"
    assert client.get(url).status_code == 404
    publish_results(cycle=cycle, actor=office)
    html = client.get(url).content.decode()
    assert "900.00" in html and "意見" in html
    assert client.get(f"/reviews/cycles/{cycle.year}/feedback/{b.pk}/").status_code == 404
    client.force_login(r1)
    assert client.get(url).status_code == 403


def test_improvement_item_flow_hsc12(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    client.force_login(office)
    form = {"cycle": cycle.year, "agency": a.pk, "text": "請改善電話禮貌", "criterion": "1.2.1.2.1"}
    # Issue 13: the office files items due after today, on a code of the agency's rubric.
    past = client.post(
        "/reviews/improvements/", {**form, "deadline": date.today().isoformat()}, follow=True
    )
    assert "期限須晚於今天" in past.content.decode()
    wrong = client.post(
        "/reviews/improvements/",
        {**form, "criterion": "9.9.9", "deadline": (date.today() + timedelta(days=30)).isoformat()},
        follow=True,
    )
    assert "指標代碼「9.9.9」不在" in wrong.content.decode()
    assert not Improvement.objects.exists()
    response = client.post(
        "/reviews/improvements/",
        {**form, "deadline": (date.today() + timedelta(days=30)).isoformat()},
    )
    assert response.status_code == 302
    item = Improvement.objects.get()
    # Due yesterday (as time passes): overdue on both dashboards.
    Improvement.objects.filter(pk=item.pk).update(deadline=date.today() - timedelta(days=1))
    assert (
        "overdue" in client.get("/dashboard/").content.decode()
        or "逾期" in client.get("/dashboard/").content.decode()
    )
    officer = user_for(Role.AGENCY_OFFICER, agency=a)
    other = user_for(Role.AGENCY_OFFICER, agency=b)
    client.force_login(other)
    assert client.get(f"/reviews/improvements/{item.pk}/").status_code == 404
    client.force_login(officer)
    assert "逾期" in client.get("/dashboard/").content.decode()
    upload = SimpleUploadedFile("改善.pdf", b"%PDF-1.4 evidence", content_type="application/pdf")
    response = client.post(
        f"/reviews/improvements/{item.pk}/", {"response": "已完成教育訓練", "files": upload}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.response) == ("answered", "已完成教育訓練")
    evidence = item.evidence.get()
    url = f"/reviews/improvements/{item.pk}/evidence/{evidence.pk}/"
    assert client.get(url).status_code == 200
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(office)
    assert (
        post_confirmed(
            client, f"/reviews/improvements/{item.pk}/", {"decision": "close", "note": ""}
        ).status_code
        == 302
    )
    item.refresh_from_db()
    assert item.status == "closed"


def test_improvement_evidence_must_be_an_allowed_file(client, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    cycle, (a, _b), _r, office = setup_cycle(2, 1)
    item = improvement_create(
        cycle=cycle, agency=a, text="x", deadline=date.today() + timedelta(days=1), actor=office
    )
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=a))
    bad = SimpleUploadedFile("a.exe", b"MZ...", content_type="application/octet-stream")
    response = client.post(f"/reviews/improvements/{item.pk}/", {"response": "done", "files": bad})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.status == "open"


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TESTER])
def test_improvements_are_not_for_reviewers_or_testers(client, role):
    client.force_login(user_for(role))
    assert client.get("/reviews/improvements/").status_code == 403


def test_reviewer_home_lists_assignments(client):
    cycle, (a, b), (r1, r2), office = setup_cycle(2, 2)
    client.force_login(r2)
    html = client.get("/reviews/").content.decode()
    assert a.name in html and b.name in html
    html = client.get("/dashboard/").content.decode()
    assert a.name in html


def test_office_starts_an_improvement_item_from_the_feedback_report(client):
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    client.force_login(office)
    html = client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}/").content.decode()
    link = f"/reviews/improvements/?cycle={cycle.year}&amp;agency={a.pk}#new-item"
    assert link in html
    html = client.get(f"/reviews/improvements/?cycle={cycle.year}&agency={a.pk}").content.decode()
    assert f'<option value="{a.pk}" selected>' in html


def test_feedback_report_downloads_as_odt_and_pdf(client):
    """The improvement letter / feedback report in ODF (public documents) and PDF."""
    import zipfile

    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.9"), (b, r1, "0.75")])
    publish_results(cycle=cycle, actor=office)
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=a))
    odt = client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}.odt")
    assert odt.status_code == 200
    content = zipfile.ZipFile(io.BytesIO(odt.content)).read("content.xml").decode()
    assert "900.00" in content and "甲等" in content and "1.1.1.1 單一窗口服務全功能程度" in content
    pdf = client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}.pdf")
    assert pdf.content[:5] == b"%PDF-"
    assert client.get(f"/reviews/cycles/{cycle.year}/feedback/{b.pk}.odt").status_code == 404
    assert client.get(f"/reviews/cycles/{cycle.year}/feedback/{a.pk}.exe").status_code == 404


def test_the_draft_saves_itself_and_never_overwrites_another_tab(client):
    """Issue 13 item 3: an htmx autosave stores the draft and answers the new
    version; an autosave from a tab that is behind stores nothing."""
    cycle, (a, _b), (r1, _r2), office = setup_cycle(2, 2)
    client.force_login(r1)
    url = sheet_url(cycle, a)
    html = client.get(url).content.decode()
    assert 'hx-trigger="change delay:1500ms"' in html and 'id="autosave-status"' in html
    data = {"version": "1", "action": "autosave", "score_1.1.1.1": "30"}
    answer = client.post(url, data, headers={"HX-Request": "true"}).content.decode()
    assert (
        "自動儲存" in answer
        and "草稿已於" in answer
        and 'id="sheet-version"' in answer
        and 'value="2"' in answer
    )
    sheet = Sheet.objects.get(reviewer=r1, agency=a)
    assert (sheet.version, sheet.scores.get(criterion="1.1.1.1").score) == (2, 30)
    behind = client.post(url, {**data, "score_1.1.1.1": "10"}).content.decode()
    assert "另一視窗" in behind and 'value="1"' in behind
    bad = client.post(url, {**data, "version": "2", "score_1.1.1.1": "75"}).content.decode()
    assert "1 項分數需修正" in bad
    sheet.refresh_from_db()
    assert (sheet.version, sheet.scores.get(criterion="1.1.1.1").score) == (2, 30)
