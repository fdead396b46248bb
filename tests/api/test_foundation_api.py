"""REST API: OpenAPI schema, authentication, the pages' object-level rules (another agency → 404)."""

import pytest
from django.core.management import call_command
from django.utils import translation

from serviceeval.api.urls import api
from tests.factories import AgencyFactory, UserFactory, make_cycle, user_for


def test_every_operation_requires_authentication():
    schema = api.get_openapi_schema()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    assert operations
    assert all(op.get("security") for op in operations)


@pytest.mark.django_db
def test_openapi_schema_is_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "serviceeval API"


@pytest.mark.django_db
def test_anonymous_call_is_refused(client):
    assert client.get("/api/v1/agencies").status_code == 401


@pytest.mark.django_db
def test_bearer_token_authenticates_as_its_user(client, capsys):
    agency = AgencyFactory(code="HC-101", name="衛生局")
    user_for("agency_officer", agency=agency, username="officer")
    call_command("api_token_create", "--user", "officer", "--name", "公文系統")
    token = capsys.readouterr().out.strip()
    response = client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert [a["code"] for a in response.json()] == ["HC-101"]
    assert (
        client.get("/api/v1/agencies", headers={"Authorization": "Bearer wrong"}).status_code == 401
    )


@pytest.mark.django_db
def test_another_agency_answers_404(client):
    own, other = AgencyFactory(), AgencyFactory()
    client.force_login(user_for("agency_officer", agency=own))
    assert client.get(f"/api/v1/agencies/{own.code}").status_code == 200
    response = client.get(f"/api/v1/agencies/{other.code}")
    assert response.status_code == 404
    assert response.json() == {"detail": "找不到。"}
    # Issue 15 item 2: the same field, in the language the person chose.
    client.cookies["django_language"] = "en"
    with translation.override("en"):  # the request activates English: restore after
        english = client.get(f"/api/v1/agencies/{other.code}").json()
    assert english == {"detail": "Not found."}


@pytest.mark.django_db
def test_program_detail_gives_points_as_exact_strings(client):
    client.force_login(UserFactory(role="coordinator"))
    data = client.get("/api/v1/programs/hsinchu-105/1").json()
    leaves = {n["code"]: n["max_points"] for n in data["rubric"] if n["leaf"]}
    assert len(leaves) == 26
    assert leaves["1.1.2.1.1"] == "20.00"
    assert client.get("/api/v1/programs/hsinchu-105/9").status_code == 404


@pytest.mark.django_db
def test_cycle_detail_lists_only_visible_participants(client):
    own, other = AgencyFactory(), AgencyFactory()
    make_cycle(year=105)
    client.force_login(user_for("agency_officer", agency=own))
    data = client.get("/api/v1/cycles/105").json()
    assert [p["agency"] for p in data["participants"]] == [own.code]
    client.force_login(UserFactory(role="coordinator"))
    data = client.get("/api/v1/cycles/105").json()
    assert sorted(p["agency"] for p in data["participants"]) == sorted([own.code, other.code])
    assert client.get("/api/v1/cycles/999").status_code == 404
