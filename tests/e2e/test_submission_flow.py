"""Issue 3 in a real browser: write, attach, self-score, approve, submit,
return with a reason, resubmit, accept; another agency gets 404."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.submissions.models import Submission
from tests.factories import TEST_PASSWORD, AgencyFactory, make_cycle, user_for

from .conftest import axe_serious, sign_in, wait_for_mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NARRATIVES = {
    "1": "- 設置單一窗口，提供十二項業務一處收件",
    "2": "- 推動公文電子簽核，平均處理天數由五天降為三天",
    "3": "- 志工人力增加兩成，假日延長服務時間",
    "4": "- 滿意度調查結果九成二，較去年提升三個百分點",
    "5": "- 開放民眾參與預算討論，舉辦四場工作坊",
}


def as_user(page, user):
    page.context.clear_cookies()
    sign_in(page, user.username, TEST_PASSWORD)


def confirm(page, label):
    """Issue 13 item 4: the confirmation page says what will happen; confirm it."""
    page.get_by_role("heading", name="確認後將會").wait_for()
    page.get_by_role("button", name=label, exact=True).click()
    page.locator("#state").wait_for()


def test_report_goes_from_draft_to_accepted_and_stays_private(page, smtp_sink):
    """Issue 13 item 1 (CITY-2, HSC-2): officer → head (told by e-mail, read from a
    real SMTP sink) → submitted; returned by the office, resubmitted, accepted."""
    agency, other = AgencyFactory(name="測試社會局"), AgencyFactory(name="測試民政局")
    cycle = make_cycle(
        year=116,
        program_code="city-service-upgrade",
        agencies=Agency.objects.filter(pk__in=[agency.pk, other.pk]),
    )
    officer = user_for(Role.AGENCY_OFFICER, agency=agency, email="officer@social.example.tw")
    head = user_for(Role.AGENCY_HEAD, agency=agency, email="head@social.example.tw")
    office = user_for(Role.COORDINATOR)
    other_officer = user_for(Role.AGENCY_OFFICER, agency=other)
    detail = f"/submissions/{cycle.year}/report/{agency.pk}/"

    # The officer writes the report, attaches a PDF and fills the self scores.
    as_user(page, officer)
    page.goto(detail + "edit/")
    for code, text in NARRATIVES.items():
        page.locator(f"#id_n_{code}").fill(text)
        page.locator(f"#id_s_{code}").fill("150")
    page.get_by_label("抽樣方法").fill("分層隨機抽樣")
    page.locator("#id_f_1").set_input_files(
        files=[{"name": "服務成果.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    assert axe_serious(page) == []
    page.get_by_role("button", name="儲存草稿").click()
    page.wait_for_url("**/edit/")
    assert "已儲存" in page.locator(".messages").inner_text()
    assert page.locator("#id_n_3").input_value() == NARRATIVES["3"]

    # Complete: the next step is to send it to the head.
    page.goto(detail)
    assert "送首長核定" in page.locator("#next-step").inner_text()
    page.get_by_role("button", name="送首長核定").click()
    assert axe_serious(page) == []
    confirm(page, "送首長核定")
    assert page.locator("#state").inner_text() == "待首長核定"

    # The head is told by e-mail, finds it under 待我核定 and approves and submits.
    [mail] = wait_for_mail(smtp_sink, "head@social.example.tw")
    assert "測試社會局" in mail["Subject"]
    assert detail in mail.get_body().get_content()
    as_user(page, head)
    page.goto("/dashboard/")
    assert axe_serious(page) == []
    page.locator("#awaiting-approval").get_by_role("link", name="測試社會局").click()
    page.wait_for_url(f"**{detail}")
    page.get_by_role("button", name="核定並送出至研考單位").click()
    confirm(page, "核定並送出至研考單位")
    assert page.locator("#state").inner_text() == "已送出"

    # The office returns it with a reason; the reason stands at the top for the officer.
    as_user(page, office)
    page.goto(detail)
    assert page.get_by_role("link", name="服務成果.pdf").count() == 1
    page.get_by_label("退回原因").fill("請補充滿意度調查的抽樣方法")
    page.get_by_role("button", name="退回修正").click()
    confirm(page, "退回修正")
    assert page.locator("#state").inner_text() == "退回修正"

    # Resubmitted after an edit and a new approval, then accepted.
    as_user(page, officer)
    page.goto(detail)
    assert "請補充滿意度調查的抽樣方法" in page.locator("main").inner_text()
    page.goto(detail + "edit/")
    page.get_by_label("抽樣方法").fill("分層隨機抽樣，有效樣本 1,068 份")
    page.get_by_role("button", name="儲存草稿").click()
    page.wait_for_url("**/edit/")
    page.goto(detail)
    page.get_by_role("button", name="送首長核定").click()
    confirm(page, "送首長核定")
    as_user(page, head)
    page.goto(detail)
    page.get_by_role("button", name="核定（首長）").click()
    confirm(page, "核定（首長）")
    as_user(page, officer)
    page.goto(detail)
    page.get_by_role("button", name="送出至研考單位").click()
    confirm(page, "送出至研考單位")
    as_user(page, office)
    page.goto(detail)
    page.get_by_role("button", name="同意備查").click()
    confirm(page, "同意備查")
    assert page.locator("#state").inner_text() == "已同意備查"
    history = page.locator("#history").inner_text()
    assert "請補充滿意度調查的抽樣方法" in history
    assert history.count("\t核定\t") == 2
    assert Submission.objects.get().state == "accepted"

    # Another agency's officer gets 404, in the page and for the evidence file.
    as_user(page, other_officer)
    assert page.goto(detail).status == 404
    evidence = Submission.objects.get().evidence.get()
    assert page.goto(f"/submissions/evidence/{evidence.pk}/").status == 404


def test_rejected_file_keeps_the_typed_text_and_pages_are_accessible(page):
    from serviceeval.demo import DEMO_PASSWORD, build

    ctx = build()
    health = ctx["agencies"]["HC-101"]
    sign_in(page, "officer", DEMO_PASSWORD)
    page.goto(f"/submissions/105/report/{health.pk}/edit/")
    assert axe_serious(page) == []
    page.locator("#id_n_1_1_2_1_1").fill("案件承辦人姓名與電話公開於收件回執")
    page.locator("#id_f_1_1_2_1_1").set_input_files(
        files=[{"name": "假的.pdf", "mimeType": "application/pdf", "buffer": b"MZ not a pdf"}]
    )
    page.get_by_role("button", name="儲存草稿").click()
    assert page.locator("#id_n_1_1_2_1_1").input_value() == "案件承辦人姓名與電話公開於收件回執"
    assert "檔案內容與副檔名" in page.locator(".errors").inner_text()
    assert axe_serious(page) == []
    page.context.clear_cookies()
    sign_in(page, "office", DEMO_PASSWORD)
    page.goto("/submissions/status/?cycle=105")
    assert axe_serious(page) == []
    page.goto("/submissions/public/116/")
    assert page.get_by_role("row", name="中正區公所").count() == 1
    assert axe_serious(page) == []
