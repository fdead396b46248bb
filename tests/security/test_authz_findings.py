"""Issue 9: the security probe's authorization gaps and hostile parameters.

- F7: improvement items are answered only by the item's own agency; a first-level
  parent sees its subordinates' items (CITY-6) but does not answer them.
- F11: evidence of a plan or report not yet submitted stays with the agency and
  its parent; assigned reviewers see it once the submission is submitted.
- F9: an id that is not an integer, empty, negative or beyond bigint answers
  404 (400 for a NUL), never 500; a NUL anywhere in a URL path answers 400.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from serviceeval.reviews.models import Assignment, Conflict, ImprovementEvidence, PanelMember
from serviceeval.reviews.services import ReviewError, conflict_declare, improvement_respond
from serviceeval.submissions.enums import Kind, State
from tests.submissions.conftest import PDF
from tests.web.test_no_server_errors import fillings
from tests.web.test_permission_matrix import walk

from .authz_world import DRAFT_STATES, build_world, evidence_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


def _client(user=None):
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# --- F7 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["parent_officer", "parent_head"])
def test_f7_parent_agency_cannot_answer_subordinate_improvement(who):
    w = build_world()
    client = _client(w.users[who])
    url = reverse("reviews:improvement", args=[w.item.pk])
    page = client.get(url)
    assert page.status_code == 200  # CITY-6: the parent sees it
    assert 'name="response"' not in page.content.decode()
    upload = SimpleUploadedFile("改善.pdf", PDF, content_type="application/pdf")
    response = client.post(url, {"response": "代為回覆", "files": upload})
    assert response.status_code == 403
    w.item.refresh_from_db()
    assert (w.item.status, w.item.response) == ("open", "")
    assert ImprovementEvidence.objects.count() == 0


def test_f7_improvement_respond_refuses_another_agency_as_actor():
    w = build_world()
    for who in ("parent_officer", "other_officer"):
        with pytest.raises(ReviewError):
            improvement_respond(item=w.item, response="代為回覆", actor=w.users[who])
    with pytest.raises(ReviewError):
        improvement_respond(item=w.item, response="代為回覆", actor=w.office)
    w.item.refresh_from_db()
    assert w.item.status == "open"


@pytest.mark.parametrize("who", ["child_officer", "child_head"])
def test_f7_own_agency_still_answers_its_improvement(who):
    w = build_world()
    client = _client(w.users[who])
    url = reverse("reviews:improvement", args=[w.item.pk])
    assert 'name="response"' in client.get(url).content.decode()
    assert client.post(url, {"response": "已完成教育訓練"}).status_code == 302
    w.item.refresh_from_db()
    assert (w.item.status, w.item.response) == ("answered", "已完成教育訓練")


# --- F11 --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [False, True], ids=["file", "url"])
@pytest.mark.parametrize("state", DRAFT_STATES)
@pytest.mark.parametrize("kind", [Kind.PLAN, Kind.REPORT])
def test_f11_reviewer_cannot_download_draft_evidence(kind, state, url):
    w = build_world()
    ev = evidence_in(w, kind=kind, state=state, url=url)
    download = reverse("submissions:evidence", args=[ev.pk])
    for user in (w.reviewer, w.unassigned, w.tester, w.users["other_officer"]):
        assert _client(user).get(download).status_code == 404, user.role
    assert _client().get(download).status_code == 302  # to the sign-in page


@pytest.mark.parametrize("state", DRAFT_STATES)
def test_f11_agency_and_parent_download_draft_evidence(state):
    w = build_world()
    ev = evidence_in(w, kind=Kind.REPORT, state=state)  # the subordinate's report
    download = reverse("submissions:evidence", args=[ev.pk])
    for who in ("child_officer", "child_head", "parent_officer", "parent_head"):
        response = _client(w.users[who]).get(download)
        assert response.status_code == 200, who
        assert b"".join(response.streaming_content) == PDF
    # The office follows every submission (its status and detail pages show drafts).
    assert _client(w.office).get(download).status_code == 200


@pytest.mark.parametrize("state", [State.SUBMITTED, State.ACCEPTED])
@pytest.mark.parametrize("kind", [Kind.PLAN, Kind.REPORT])
def test_f11_assigned_reviewer_downloads_submitted_evidence(kind, state):
    w = build_world()
    ev = evidence_in(w, kind=kind, state=state)
    download = reverse("submissions:evidence", args=[ev.pk])
    assert _client(w.reviewer).get(download).status_code == 200
    assert _client(w.unassigned).get(download).status_code == 404
    agency = ev.submission.agency
    conflict_declare(
        cycle=w.cycle, reviewer=w.reviewer, agency=agency, reason="曾任職", actor=w.office
    )
    assert _client(w.reviewer).get(download).status_code == 404


# --- F9 ---------------------------------------------------------------------------------

BAD_IDS = ["abc", "", "1.5", "-1", "99999999999999999999", "1\x00"]
# The panel page's POST actions that name an object by a hidden id field.
PANEL_ID_ACTIONS = [("remove_member", "member"), ("unassign", "assignment"), ("waive", "conflict")]


@pytest.mark.parametrize("value", BAD_IDS, ids=repr)
@pytest.mark.parametrize("action,field", PANEL_ID_ACTIONS, ids=[a for a, _ in PANEL_ID_ACTIONS])
def test_f9_non_integer_ids_answer_404_not_500(action, field, value):
    w = build_world()
    conflict_declare(
        cycle=w.cycle, reviewer=w.unassigned, agency=w.other, reason="親屬", actor=w.office
    )
    counts = (PanelMember.objects.count(), Assignment.objects.count())
    url = reverse("reviews:panel", args=[w.cycle.year])
    response = _client(w.office).post(url, {"action": action, field: value, "reason": "理由"})
    assert response.status_code == (400 if "\x00" in value else 404)
    assert (PanelMember.objects.count(), Assignment.objects.count()) == counts
    assert Conflict.objects.get().waived_at is None


def test_f9_huge_url_ids_answer_404_not_500():
    """Each `<int:…>` of every app URL, one at a time beyond bigint, the other
    parameters real (demo data): a lookup through a foreign key would overflow."""
    from serviceeval.accounts.models import User
    from serviceeval.demo import build

    build()
    huge = "99999999999999999999"
    failures = []
    for username in ("office", "officer", "reviewer"):
        client = _client(User.objects.get(username=username))
        for route, _pattern in walk():
            real, _bogus = fillings(route)
            for name in re.findall(r"<int:(\w+)>", route):
                values = {**real, name: huge}
                url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), route)
                for method in ("get", "post"):
                    status = getattr(client, method)(url).status_code
                    if status >= 500:
                        failures.append(f"{username} {method.upper()} {url}: {status}")
    assert failures == []


NUL_PATHS = [
    "/api/v1/agencies/HC-101%00",
    "/api/v1/agencies/%00",
    "/api/v1/programs/hsinchu-105/1%00",
    "/api/v1/cycles/105%00",
    "/api/v1/cycles/105/results%00",
    "/api/v1/%00",
    "/reviews/improvements/1%00/",
    "/submissions/evidence/%00/",
    "/agencies/%00/",
    "/%00",
]


@pytest.mark.parametrize("path", NUL_PATHS)
def test_f9_nul_in_api_path_answers_400(path):
    w = build_world()
    for client in (_client(w.office), _client(w.users["parent_officer"]), _client()):
        response = client.get(path)
        assert response.status_code == 400
        if path.startswith("/api/"):
            assert response.json() == {"detail": "網址含有不允許的 NUL 控制字元。"}


@pytest.mark.parametrize(
    "path,status",
    [
        ("/api/v1/cycles/99999999999999999999", 404),
        ("/api/v1/cycles/99999999999999999999/results", 404),
        ("/api/v1/cycles/99999999999999999999/rewards", 404),
        ("/api/v1/cycles/-1", 404),
        ("/api/v1/programs/hsinchu-105/99999999999999999999", 404),
        ("/api/v1/cycles/abc", 422),  # django-ninja's answer to a mistyped parameter
        ("/api/v1/cycles/1.5/results", 422),
    ],
)
def test_f9_api_path_parameters_answer_4xx_not_500(path, status):
    w = build_world()
    assert _client(w.office).get(path).status_code == status
