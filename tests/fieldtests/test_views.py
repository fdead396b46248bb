"""Field-test pages: permission matrix (each role × own / other / none), 404 for other
testers' records, query counts, recording through the form (CITY-8, CITY-9)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceeval.accounts.enums import Role
from serviceeval.core.cacheclear import clear_alias
from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
from tests.factories import post_confirmed, user_for
from tests.fieldtests.helpers import a_tester, at, call, city_cycle

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


def make_visit(cycle, agency, who, photo=True):
    from serviceeval.fieldtests.services import mystery_visit_record

    photos = [SimpleUploadedFile("p.png", PNG, content_type="image/png")] if photo else []
    return mystery_visit_record(
        cycle=cycle, agency=agency, tester=who, visited_at=at(), items={}, photos=photos
    )


def status_for(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.COORDINATOR, 200),
        (Role.TESTER, 200),
        (Role.AGENCY_OFFICER, 403),
        (Role.AGENCY_HEAD, 403),
        (Role.REVIEWER, 403),
    ],
)
def test_pages_by_role(client, role, expected):
    cycle, (a,) = city_cycle(1)
    for url in (
        "/fieldtests/",
        f"/fieldtests/{cycle.year}/phone/new/",
        f"/fieldtests/{cycle.year}/visit/new/",
    ):
        assert status_for(client, user_for(role), url) == expected, url


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.COORDINATOR, 200),
        (Role.TESTER, 403),
        (Role.AGENCY_OFFICER, 403),
        (Role.AGENCY_HEAD, 403),
        (Role.REVIEWER, 403),
    ],
)
def test_agency_figures_page_office_only(client, role, expected):
    cycle, (a,) = city_cycle(1)
    agency = a if role not in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) else None
    user = user_for(role, agency=a) if agency is None else user_for(role)
    assert status_for(client, user, f"/fieldtests/{cycle.year}/agency/{a.pk}/") == expected


def test_visit_and_photo_own_tester_other_tester_office(client):
    cycle, (a,) = city_cycle(1)
    own = a_tester()
    visit = make_visit(cycle, a, own)
    photo = visit.photos.get()
    for user, expected in ((own, 200), (a_tester(), 404), (user_for(Role.COORDINATOR), 200)):
        assert status_for(client, user, f"/fieldtests/visit/{visit.pk}/") == expected
        assert status_for(client, user, f"/fieldtests/photo/{photo.pk}/") == expected
    for role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER):
        user = user_for(role, agency=a) if role != Role.REVIEWER else user_for(role)
        assert status_for(client, user, f"/fieldtests/visit/{visit.pk}/") == 403
        assert status_for(client, user, f"/fieldtests/photo/{photo.pk}/") == 403


def test_anonymous_redirected_to_login(client):
    cycle, (a,) = city_cycle(1)
    visit = make_visit(cycle, a, a_tester(), photo=False)
    for url in (f"/fieldtests/{cycle.year}/agency/{a.pk}/", f"/fieldtests/visit/{visit.pk}/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_tester_sees_only_own_records_on_index(client):
    cycle, (a,) = city_cycle(1)
    mine, theirs = a_tester(), a_tester()
    call(cycle, a, mine, staff="我的受測者")
    call(cycle, a, theirs, staff="別人的")
    client.force_login(mine)
    page = client.get(f"/fieldtests/?cycle={cycle.year}").content.decode()
    assert page.count(str(mine)) >= 1 and str(theirs) not in page
    assert "averages" not in page  # the office's table is not shown to testers


def test_record_call_through_form_city_9(client):
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    client.force_login(who)
    data = {
        "agency": a.pk,
        "called_at": "2027-03-05T10:00",
        "unit": "戶籍課",
        "number": "03-1234567",
        "part_switchboard": "on",
        "part_business": "on",
        "item_sw_answer_speed": "on",
        "item_biz_answer_speed": "on",
        "rings": "3",
        "tested_staff": "小美",
    }
    response = client.post(f"/fieldtests/{cycle.year}/phone/new/", data)
    assert response.status_code == 302
    test = PhoneTest.objects.get()
    assert (test.part_scores, test.unit, test.rings) == (
        {"switchboard": "25", "business": "15"},
        "戶籍課",
        3,
    )


def test_record_call_form_keeps_input_and_names_problem(client):
    cycle, (a,) = city_cycle(1)
    who = a_tester(agency=a)  # own agency is not offered
    client.force_login(who)
    response = client.post(
        f"/fieldtests/{cycle.year}/phone/new/",
        {"agency": a.pk, "called_at": "2027-03-05T10:00", "unit": "保留"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "保留" in page and 'role="alert"' in page
    assert PhoneTest.objects.count() == 0


def test_record_visit_with_photo_through_form_city_8(client):
    cycle, (a,) = city_cycle(1)
    client.force_login(a_tester())
    data = {
        "agency": a.pk,
        "visited_at": "2027-03-05T10:00",
        "item_env_signage": "on",
        "photos": SimpleUploadedFile("c.png", PNG, content_type="image/png"),
    }
    response = client.post(f"/fieldtests/{cycle.year}/visit/new/", data)
    assert response.status_code == 302
    visit = MysteryVisit.objects.get()
    assert (str(visit.score), visit.photos.count()) == ("7.00", 1)


def test_record_visit_bad_photo_names_field(client):
    cycle, (a,) = city_cycle(1)
    client.force_login(a_tester())
    data = {
        "agency": a.pk,
        "visited_at": "2027-03-05T10:00",
        "photos": SimpleUploadedFile("c.png", b"nope", content_type="image/png"),
    }
    response = client.post(f"/fieldtests/{cycle.year}/visit/new/", data)
    assert response.status_code == 200
    assert MysteryVisit.objects.count() == 0


def test_unknown_cycle_404(client):
    client.force_login(user_for(Role.COORDINATOR))
    assert client.get("/fieldtests/999/phone/new/").status_code == 404


def test_index_query_count_same_at_1_and_5_rows(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, agencies = city_cycle(5, year=116)
    who = a_tester()
    client.force_login(user_for(Role.COORDINATOR))
    counts = []
    for i, a in enumerate(agencies):
        call(cycle, a, who, staff=f"受測者{i}")
        make_visit(cycle, a, who, photo=False)
        if i in (0, 4):
            clear_alias("default")  # the header's unread count is cached: measure it both times
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/fieldtests/?cycle={cycle.year}").status_code == 200
            counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_agency_page_query_count_same_at_1_and_5_calls(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, (a,) = city_cycle(1)
    who = a_tester()
    client.force_login(user_for(Role.COORDINATOR))
    counts = []
    for i in range(5):
        call(cycle, a, who, staff=f"受測者{i}")
        make_visit(cycle, a, who, photo=False)
        if i in (0, 4):
            clear_alias("default")  # the header's unread count is cached: measure it both times
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/fieldtests/{cycle.year}/agency/{a.pk}/").status_code == 200
            counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_office_deletes_a_call_with_reason_audited(client):
    from serviceeval.core.models import AuditEvent

    cycle, (a,) = city_cycle(1)
    test = call(cycle, a, a_tester())
    user = user_for(Role.COORDINATOR)
    client.force_login(user)
    client.post(f"/fieldtests/phone/{test.pk}/delete/", {"reason": ""})
    assert PhoneTest.objects.filter(pk=test.pk).exists()  # a reason is required
    post_confirmed(client, f"/fieldtests/phone/{test.pk}/delete/", {"reason": "撥錯機關"})
    assert not PhoneTest.objects.filter(pk=test.pk).exists()
    event = AuditEvent.objects.get(action="phonetest_deleted")
    assert (event.reason, event.before["part_scores"]) == (
        "撥錯機關",
        {"switchboard": "45", "business": "55"},
    )


def test_delete_views_office_only(client):
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    test = call(cycle, a, who)
    visit = make_visit(cycle, a, who, photo=False)
    for role in (Role.TESTER, Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER):
        user = (
            user_for(role, agency=a)
            if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD)
            else who
            if role == Role.TESTER
            else user_for(role)
        )
        client.force_login(user)
        assert (
            client.post(f"/fieldtests/phone/{test.pk}/delete/", {"reason": "x"}).status_code == 403
        )
        assert (
            client.post(f"/fieldtests/visit/{visit.pk}/delete/", {"reason": "x"}).status_code == 403
        )
    client.force_login(user_for(Role.COORDINATOR))
    assert client.post("/fieldtests/visit/999999/delete/", {"reason": "x"}).status_code == 404
    assert (
        post_confirmed(
            client, f"/fieldtests/visit/{visit.pk}/delete/", {"reason": "重複"}
        ).status_code
        == 302
    )
    assert not MysteryVisit.objects.exists()


def test_program_without_checklist_has_no_recording_page(client):
    cycle, (a,) = city_cycle(1)
    client.force_login(user_for(Role.COORDINATOR))
    assert client.get(f"/fieldtests/{cycle.year}/phone/new/").status_code == 200
    hsinchu_like = make_cycle_without_checklists()
    assert client.get(f"/fieldtests/{hsinchu_like.year}/visit/new/").status_code == 404


def make_cycle_without_checklists():
    import yaml

    from serviceeval.cycles.services import cycle_create
    from serviceeval.programs.services import program_latest, program_load

    data = yaml.safe_load(program_latest("hsinchu-105").source)
    data.pop("field_tests")
    data["code"] = "no-checklists"
    for category in data["categories"]:  # field_test marks need no checklist, but drop them too
        _drop_marks(category["rubric"])
    program, _ = program_load(text=yaml.safe_dump(data, allow_unicode=True))
    return cycle_create(program=program, year=120)


def _drop_marks(nodes):
    for node in nodes:
        node.pop("field_test", None)
        _drop_marks(node.get("children") or [])


def test_dashboard_panels_tester_and_office(client):
    cycle, (a,) = city_cycle(1)
    who = a_tester()
    call(cycle, a, who)
    client.force_login(who)
    page = client.get("/dashboard/").content.decode()
    assert 'id="tester-calls">1<' in page
    client.force_login(user_for(Role.COORDINATOR))
    page = client.get("/dashboard/").content.decode()
    assert "p-ft-office-h" in page and "p-rw-office-h" in page
