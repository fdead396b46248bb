"""Issue 13 item 6 in a real browser, with mail through a real SMTP server
(aiosmtpd): `send_reminders` tells an officer of a deadline; the message arrives
at the sink, the header shows the unread count, the notice leads to the
submission; the officer turns the optional reminder off; the office's outbox
shows the mail as sent."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.cycles.models import Milestone
from serviceeval.notifications.models import OptOut
from tests.factories import TEST_PASSWORD, AgencyFactory, make_cycle, user_for

from .conftest import axe_serious, sign_in, wait_for_mail

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_reminder_reaches_the_mailbox_and_the_header(page, smtp_sink):
    agency = AgencyFactory(name="測試地政局")
    cycle = make_cycle(year=116, agencies=Agency.objects.filter(pk=agency.pk))
    officer = user_for(Role.AGENCY_OFFICER, agency=agency, email="officer@demo.serviceeval.tw")
    office = user_for(Role.COORDINATOR, email="office@demo.serviceeval.tw")
    due = Milestone.objects.get(cycle=cycle, code="report_due")
    due.at = timezone.now() + timedelta(days=6, hours=12)
    due.save(update_fields=["at"])

    call_command("send_reminders")
    [message] = wait_for_mail(smtp_sink, "officer@demo.serviceeval.tw")
    assert "測試地政局" in message["Subject"] and "7 日後截止" in message["Subject"]
    body = message.get_body().get_content()
    assert f"/submissions/{cycle.year}/report/{agency.pk}/" in body

    sign_in(page, officer.username, TEST_PASSWORD)
    badge = page.locator("header .who .badge")
    assert badge.inner_text().startswith("1")
    page.get_by_role("link", name="通知").first.click()
    page.wait_for_url("**/notifications/")
    assert axe_serious(page) == []
    page.get_by_role("link", name=message["Subject"]).click()
    page.wait_for_url(f"**/submissions/{cycle.year}/report/{agency.pk}/")
    assert page.locator("header .who .badge").count() == 0

    page.goto("/notifications/settings/")
    assert axe_serious(page) == []
    page.get_by_label("期限將至", exact=True).uncheck()
    page.get_by_role("button", name="儲存設定").click()
    assert "提醒設定已儲存" in page.locator(".messages").inner_text()
    assert OptOut.objects.filter(user=officer, kind="deadline_coming").exists()

    page.context.clear_cookies()
    sign_in(page, office.username, TEST_PASSWORD)
    page.goto("/notifications/outbox/")
    assert axe_serious(page) == []
    row = page.locator("tbody tr", has_text="測試地政局")
    assert "已寄出" in row.inner_text()
