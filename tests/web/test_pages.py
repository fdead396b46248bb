"""Foundation pages: zh-Hant first, per-role dashboards, object-level 404, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.core.cacheclear import clear_alias
from tests.factories import AgencyFactory, UserFactory, make_cycle, post_confirmed, user_for


@pytest.mark.django_db
def test_home_page_is_traditional_chinese_first(client):
    html = client.get("/").content.decode()
    assert '<html lang="zh-Hant-TW">' in html
    assert "<h1>為民服務考核</h1>" in html


@pytest.mark.django_db
def test_english_is_the_second_language(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/").content.decode()
    assert "<h1>Public-service quality evaluation</h1>" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
def test_every_role_has_a_dashboard(client, role):
    make_cycle(year=105)
    client.force_login(user_for(role))
    response = client.get("/dashboard/")
    assert response.status_code == 200
    assert "工作總覽" in response.content.decode()


@pytest.mark.django_db
def test_agency_dashboard_lists_what_is_due(client):
    agency = AgencyFactory()
    make_cycle(year=116, program_code="city-service-upgrade")
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=agency))
    html = client.get("/dashboard/").content.decode()
    assert "民國116年4月30日 23:59" in html
    assert "實施計畫" in html


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.AGENCY_OFFICER, Role.AGENCY_HEAD])
def test_another_agencys_page_answers_404(client, role):
    own, other = AgencyFactory(), AgencyFactory()
    client.force_login(user_for(role, agency=own))
    assert client.get(f"/agencies/{own.pk}/").status_code == 200
    assert client.get(f"/agencies/{other.pk}/").status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.REVIEWER, Role.TESTER])
def test_non_agency_roles_cannot_open_agency_pages(client, role):
    agency = AgencyFactory()
    client.force_login(user_for(role))
    assert client.get(f"/agencies/{agency.pk}/").status_code == 403


@pytest.mark.django_db
def test_office_sees_every_agency_and_can_move_its_category_city1(client):
    agency = AgencyFactory(category="overall")
    client.force_login(UserFactory(role=Role.COORDINATOR))
    assert client.get(f"/agencies/{agency.pk}/").status_code == 200
    response = client.post(
        f"/agencies/{agency.pk}/category/", {"category": "project", "reason": "改列專案規劃類"}
    )
    assert response.status_code == 302
    agency.refresh_from_db()
    assert agency.category == "project"


@pytest.mark.django_db
def test_category_move_without_reason_keeps_the_form_and_names_the_field(client):
    agency = AgencyFactory(category="overall")
    client.force_login(UserFactory(role=Role.COORDINATOR))
    response = client.post(
        f"/agencies/{agency.pk}/category/", {"category": "project", "reason": ""}
    )
    assert response.status_code == 400
    assert "這個欄位是必須的" in response.content.decode()
    agency.refresh_from_db()
    assert agency.category == "overall"


@pytest.mark.django_db
def test_agency_officer_cannot_move_categories(client):
    agency = AgencyFactory()
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=agency))
    assert (
        client.post(
            f"/agencies/{agency.pk}/category/", {"category": "project", "reason": "x"}
        ).status_code
        == 403
    )


def _queries(client, url):
    from serviceeval.core import memo

    memo.clear()  # count the queries of the full work, not of a memo hit
    clear_alias("default")  # nor of a cached header count
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/agencies/", "/cycles/", "/cycles/105/", "/dashboard/", "/programs/"]
)
def test_list_pages_issue_constant_queries(client, url):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    AgencyFactory()
    make_cycle(year=105)
    one = _queries(client, url)
    for _ in range(4):
        AgencyFactory()
    from serviceeval.cycles.models import Cycle, Participant

    cycle = Cycle.objects.get(year=105)
    for agency in __import__(
        "serviceeval.agencies.models", fromlist=["Agency"]
    ).Agency.objects.exclude(participations__cycle=cycle):
        Participant.objects.create(
            cycle=cycle, agency=agency, category="overall", group=agency.group, reason="added"
        )
    assert _queries(client, url) == one


@pytest.mark.django_db
def test_program_page_shows_the_provisional_banner_until_confirmed(client, city_program):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    url = f"/programs/{city_program.pk}/"
    assert "此考核計畫為暫定版本" in client.get(url).content.decode()
    post_confirmed(client, f"/programs/{city_program.pk}/confirm/")
    assert "此考核計畫為暫定版本" not in client.get(url).content.decode()


@pytest.mark.django_db
def test_unknown_page_is_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "找不到此頁面" in response.content.decode()


@pytest.mark.django_db
def test_an_english_browser_still_gets_traditional_chinese_until_it_chooses(client):
    html = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert "<h1>為民服務考核</h1>" in html
