"""Every submissions view × every role × own / other / no agency (SPEC §5:
server-side object-level authorization; another agency's object answers 404),
including the approval path's request and the head's return (CITY-2)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from serviceeval.accounts.enums import Role
from serviceeval.submissions.services import SaveInput
from tests.factories import post_confirmed, user_for
from tests.web.test_permission_matrix import levels_of, walk

from .conftest import PDF, build_world
from .helpers import report, save

OWN, OTHER, NONE = "own", "other", "none"
GET_VIEWS = ("detail", "edit")
POST_VIEWS = (
    "request_approval",
    "approve",
    "head_return",
    "submit",
    "return",
    "accept",
    "reopen",
    "comment",
)

# role → (own agency, other agency) expected status of GET detail / edit
EXPECTED_GET = {
    Role.COORDINATOR: {"detail": (200, 200), "edit": (403, 403)},
    Role.AGENCY_OFFICER: {"detail": (200, 404), "edit": (200, 404)},
    Role.AGENCY_HEAD: {"detail": (200, 404), "edit": (200, 404)},
    Role.REVIEWER: {"detail": (403, 403), "edit": (403, 403)},
    Role.TESTER: {"detail": (403, 403), "edit": (403, 403)},
}
POST_ALLOWED = {
    "request_approval": (Role.AGENCY_OFFICER, Role.AGENCY_HEAD),
    "approve": (Role.AGENCY_HEAD,),
    "head_return": (Role.AGENCY_HEAD,),
    "submit": (Role.AGENCY_OFFICER, Role.AGENCY_HEAD),
    "return": (Role.COORDINATOR,),
    "accept": (Role.COORDINATOR,),
    "reopen": (Role.COORDINATOR,),
    "comment": (Role.COORDINATOR, Role.AGENCY_OFFICER, Role.AGENCY_HEAD),
}


def test_every_submissions_url_is_in_this_matrix():
    names = {p.name for route, p in walk() if route.startswith("submissions/")}
    assert names == {
        *GET_VIEWS,
        *POST_VIEWS,
        "index",
        "status",
        "evidence",
        "evidence_delete",
        "public_index",
        "public",
        "public_file",
    }
    assert all(levels_of(p.callback) for route, p in walk() if route.startswith("submissions/"))


def _user(role, w, which):
    if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD):
        return user_for(role, agency=w.agency if which == OWN else w.other)
    return user_for(role)


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("view", GET_VIEWS)
def test_get_views_per_role_and_agency(client, role, view):
    w = build_world()
    save(report(w), w.officer, SaveInput(sections={"survey_method": "問卷"}))
    url = reverse(f"submissions:{view}", args=[w.cycle.year, "report", w.agency.pk])
    own_expected, other_expected = EXPECTED_GET[role][view]
    client.force_login(_user(role, w, OWN))
    assert client.get(url).status_code == own_expected
    client.force_login(_user(role, w, OTHER))
    assert client.get(url).status_code == other_expected
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("view", POST_VIEWS)
def test_post_views_per_role_and_agency(client, role, view):
    w = build_world()
    save(report(w), w.officer, SaveInput(sections={"survey_method": "問卷"}))
    url = reverse(f"submissions:{view}", args=[w.cycle.year, "report", w.agency.pk])
    allowed = role in POST_ALLOWED[view]
    data = {"reason": "x", "text": "x", "deadline": "2099-01-01T00:00", "confirmed": "1"}
    client.force_login(_user(role, w, OTHER))
    status = client.post(url, data).status_code
    if not allowed:
        assert status == 403
    elif role == Role.COORDINATOR:
        assert status == 302  # the office sees every agency
    else:
        assert status == 404
    client.force_login(_user(role, w, OWN))
    status = client.post(url, data).status_code
    assert status == (302 if allowed else 403)
    assert client.get(url).status_code in (403, 405)
    client.logout()
    assert client.post(url).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
def test_evidence_views_per_role_and_agency(client, role):
    w = build_world()
    sub = report(w)
    save(sub, w.officer, SaveInput(files=[("1.1.1.1", SimpleUploadedFile("a.pdf", PDF))]))
    ev = sub.evidence.get()
    download = reverse("submissions:evidence", args=[ev.pk])
    delete = reverse("submissions:evidence_delete", args=[ev.pk])
    client.force_login(_user(role, w, OTHER))
    assert client.get(download).status_code == (200 if role == Role.COORDINATOR else 404)
    assert client.post(delete).status_code == (
        404 if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) else 403
    )
    client.force_login(_user(role, w, OWN))
    own_ok = role in (Role.COORDINATOR, Role.AGENCY_OFFICER, Role.AGENCY_HEAD)
    assert client.get(download).status_code == (200 if own_ok else 404)
    assert sub.evidence.count() == 1
    if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD):
        assert post_confirmed(client, delete).status_code == 302
        assert sub.evidence.count() == 0


@pytest.mark.django_db
def test_unknown_kind_cycle_or_non_participant_answers_404(client):
    w = build_world()
    client.force_login(w.office)
    assert client.get(f"/submissions/{w.cycle.year}/budget/{w.agency.pk}/").status_code == 404
    assert client.get(f"/submissions/999/report/{w.agency.pk}/").status_code == 404
    from tests.factories import AgencyFactory

    outsider = AgencyFactory()
    assert client.get(f"/submissions/{w.cycle.year}/report/{outsider.pk}/").status_code == 404
