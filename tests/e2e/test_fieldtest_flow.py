"""Issue 5 in a real browser: a tester records a call (CITY-9), the office sees the
agency's average change, and once the results are published the roster (敘獎名冊)
shows the HSC-11 entries."""

from decimal import Decimal

import pytest
from django.core.management import call_command

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency, Person
from serviceeval.fieldtests.services import phone_test_record
from tests.factories import TEST_PASSWORD, AgencyFactory, make_cycle, user_for
from tests.fieldtests.helpers import ALL_BIZ, ALL_SW

from .conftest import axe_serious, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def setup(tmp_path):
    a, b = AgencyFactory(name="衛生局測試"), AgencyFactory(name="稅務局測試")
    for agency in (a, b):
        for role, prefix in (("head", "主管"), ("section_chief", "科長"), ("officer", "承辦")):
            Person.objects.create(agency=agency, role=role, name=f"{prefix}{agency.code}")
    cycle = make_cycle(year=105, agencies=Agency.objects.filter(pk__in=[a.pk, b.pk]))
    tester = user_for(Role.TESTER, username="tester-e2e")
    office = user_for(Role.COORDINATOR, username="office-e2e")
    from datetime import datetime

    from django.utils import timezone

    phone_test_record(
        cycle=cycle,
        agency=a,
        tester=tester,
        called_at=timezone.make_aware(datetime(2016, 5, 2, 10)),
        tested_parts=["switchboard", "business"],
        items=dict.fromkeys(ALL_SW | ALL_BIZ, True),
    )
    reviewer = user_for(Role.REVIEWER, username="rev-e2e")
    lines = ["agency,reviewer,criterion,score,comment"]
    for agency, share in ((a, Decimal("0.9")), (b, Decimal("0.75"))):
        for leaf in cycle.program.spec.category("overall").leaves():
            value = (leaf.max_points * share * 2).to_integral_value() / 2
            lines.append(f"{agency.code},{reviewer.username},{leaf.code},{value},")
    path = tmp_path / "scores.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return cycle, a, b, tester, office, path


def phone_average(page, agency):
    page.goto("/fieldtests/?cycle=105")
    return page.locator(f'td.phone-avg[data-agency="{agency.code}"]').inner_text()


def test_tester_records_call_office_sees_average_and_roster_after_publish(
    page, browser, live_server, tmp_path
):
    cycle, a, b, tester, office, scores = setup(tmp_path)
    office_ctx = browser.new_context(base_url=live_server.url, locale="zh-TW")
    office_page = office_ctx.new_page()
    sign_in(office_page, office.username, TEST_PASSWORD)
    assert phone_average(office_page, a) == "100.00"

    sign_in(page, tester.username, TEST_PASSWORD)
    assert page.get_by_role("link", name="敘獎名冊").count() == 0  # testers see field tests only
    page.goto("/fieldtests/105/phone/new/")
    assert axe_serious(page) == []
    page.locator("#id_agency").select_option(str(a.pk))
    page.locator("#id_called_at").fill("2016-06-01T10:00")
    page.locator("#id_unit").fill("保健科")
    page.locator("#id_item_sw_answer_speed").uncheck()  # 20/45 → 44.44
    page.locator("#id_part_business").uncheck()  # business unit not tested
    page.locator("#id_tested_staff").fill("接線生小美")
    page.get_by_role("button", name="登錄這通電話").click()
    page.wait_for_url("**/fieldtests/?cycle=105")
    assert "已登錄電話禮貌測試" in page.locator(".messages").inner_text()
    assert page.goto("/rewards/").status == 403

    # (100 + 44.444…) / 2 = 72.22
    assert phone_average(office_page, a) == "72.22"
    assert axe_serious(office_page) == []

    call_command("import_scores", "--cycle", "105", "--add-reviewers", str(scores))
    call_command("publish_results", "--cycle", "105")
    office_page.goto("/rewards/?cycle=105")
    assert "已隨成績公布凍結" in office_page.locator("#roster-state").inner_text()
    rows = office_page.locator("#roster tbody tr").all_inner_texts()
    assert [r.split("\t")[:6] for r in rows] == [
        [f"主管{a.code}", "主管", a.name, "嘉獎", "2", "HSC-11"],
        [f"科長{a.code}", "承辦科長", a.name, "嘉獎", "2", "HSC-11"],
        [f"承辦{a.code}", "承辦人員", a.name, "嘉獎", "2", "HSC-11"],
    ]
    assert axe_serious(office_page) == []
    office_page.goto(f"/fieldtests/105/agency/{a.pk}/")
    assert office_page.locator("#phone-average").inner_text().startswith("72.22")
    assert axe_serious(office_page) == []
    office_page.goto("/rewards/award/?cycle=105")
    assert axe_serious(office_page) == []
    office_ctx.close()
