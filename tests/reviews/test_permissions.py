"""Every reviews URL with parameters: each role × own / other agency / none.
Another agency's (or an unassigned) object answers 404 (SPEC §5)."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.reviews.models import Assignment, PanelMember, Sheet
from serviceeval.reviews.services import publish_results
from tests.factories import AgencyFactory, post_confirmed, user_for

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db
AGENCY_ROLES = (Role.AGENCY_OFFICER, Role.AGENCY_HEAD)


@pytest.fixture
def world():
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    Assignment.objects.filter(reviewer=member, agency=b).delete()
    score_all(cycle, [(a, convener, "0.9"), (a, member, "0.8"), (b, convener, "0.8")])
    return {
        "cycle": cycle,
        "a": a,
        "b": b,
        "convener": convener,
        "member": member,
        "office": office,
    }


def get(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


def test_agency_review_page(client, world):
    url = f"/reviews/cycles/105/agencies/{world['b'].pk}/"
    assert get(client, world["office"], url) == 200
    assert get(client, world["convener"], url) == 200
    assert get(client, world["member"], url) == 404  # not assigned to b
    assert get(client, world["member"], f"/reviews/cycles/105/agencies/{world['a'].pk}/") == 200
    for role in (*AGENCY_ROLES, Role.TESTER):
        assert (
            get(client, user_for(role, agency=world["b"] if role in AGENCY_ROLES else None), url)
            == 403
        )
    outsider = AgencyFactory()
    assert get(client, world["office"], f"/reviews/cycles/105/agencies/{outsider.pk}/") == 404


def test_on_site_visit_is_recorded_by_an_assigned_reviewer(client, world):
    client.force_login(world["member"])
    url = f"/reviews/cycles/105/agencies/{world['a'].pk}/"
    response = client.post(
        url,
        {
            "date": "2016-09-20",
            "members": [world["member"].pk, world["convener"].pk],
            "notes": "櫃檯動線順暢",
        },
    )
    assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "民國105年9月20日" in html and "櫃檯動線順暢" in html
    bad = client.post(url, {"date": "", "members": [], "notes": ""})
    assert bad.status_code == 400


def test_sheet_reopen_only_by_the_convener(client, world):
    sheet = Sheet.objects.get(reviewer=world["member"], agency=world["a"])
    url = f"/reviews/sheets/{sheet.pk}/reopen/"
    client.force_login(world["member"])
    assert client.post(url, {"reason": "x"}).status_code == 404
    client.force_login(world["office"])
    assert client.post(url, {"reason": "x"}).status_code == 403
    client.force_login(world["convener"])
    assert client.post(url, {"reason": "請補充意見"}).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == "draft"


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods", "pdf"])
def test_results_export_for_office_and_convener(client, world, fmt):
    url = f"/reviews/cycles/105/results.{fmt}"
    assert get(client, world["office"], url) == 200
    assert get(client, world["convener"], url) == 200
    assert get(client, world["member"], url) == 404
    assert get(client, user_for(Role.AGENCY_OFFICER, agency=world["a"]), url) == 403
    assert get(client, world["office"], "/reviews/cycles/105/results.exe") == 404


def test_scores_export_is_office_only(client, world):
    assert get(client, world["office"], "/reviews/cycles/105/scores.csv") == 200
    assert get(client, world["convener"], "/reviews/cycles/105/scores.csv") == 403
    assert (
        get(
            client, user_for(Role.AGENCY_HEAD, agency=world["a"]), "/reviews/cycles/105/scores.xlsx"
        )
        == 403
    )
    assert get(client, world["office"], "/reviews/cycles/105/scores.exe") == 404


def test_calibration_pages(client, world):
    assert get(client, world["office"], "/reviews/cycles/105/calibration/") == 200
    side = f"/reviews/cycles/105/calibration/{world['a'].pk}/"
    assert get(client, world["office"], side) == 200
    assert get(client, world["convener"], side) == 200
    assert get(client, world["member"], side) == 404
    assert get(client, user_for(Role.TESTER), side) == 403


def test_results_actions_are_office_only(client, world):
    url = "/reviews/cycles/105/results/action/"
    for user in (world["convener"], user_for(Role.AGENCY_OFFICER, agency=world["a"])):
        client.force_login(user)
        assert client.post(url, {"action": "publish"}).status_code == 403
    client.force_login(world["office"])
    assert client.post(url, {"action": "nonsense"}).status_code == 404


def test_declare_conflict_only_for_panel_members(client, world):
    outsider = user_for(Role.REVIEWER)
    client.force_login(outsider)
    url = "/reviews/cycles/105/conflicts/"
    assert client.post(url, {"agency": world["a"].pk, "reason": "x"}).status_code == 404
    client.force_login(world["member"])
    assert (
        post_confirmed(client, url, {"agency": world["a"].pk, "reason": "配偶任職"}).status_code
        == 302
    )
    assert not Assignment.objects.filter(reviewer=world["member"], agency=world["a"]).exists()


def test_first_level_agency_sees_its_subordinates_feedback_but_not_others(client, world):
    parent = AgencyFactory()
    world["a"].parent = parent
    world["a"].kind = AgencyKind.SUBORDINATE
    world["a"].save()
    Assignment.objects.create(cycle=world["cycle"], reviewer=world["member"], agency=world["b"])
    score_all(world["cycle"], [(world["b"], world["member"], "0.8")])
    publish_results(cycle=world["cycle"], actor=world["office"])
    client.force_login(user_for(Role.AGENCY_HEAD, agency=parent))
    assert client.get(f"/reviews/cycles/105/feedback/{world['a'].pk}/").status_code == 200
    assert client.get(f"/reviews/cycles/105/feedback/{world['b'].pk}/").status_code == 404
    html = client.get("/reviews/improvements/").content.decode()
    assert world["a"].name in html


def test_panel_member_remove_keeps_submitted_work(client, world):
    member = PanelMember.objects.get(user=world["member"])
    client.force_login(world["office"])
    response = client.post(
        "/reviews/cycles/105/panel/", {"action": "remove_member", "member": member.pk}
    )
    assert response.status_code == 400
    assert "已送出評分表" in response.content.decode()
    assert PanelMember.objects.filter(pk=member.pk).exists()
