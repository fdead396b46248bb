"""Reward pages: permission matrix (each role × own / other / none), 404 for other
agencies' nominations, exports, manual entries, proposals (CITY-10), query counts."""

import io
from datetime import date

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.rewards import services
from serviceeval.rewards.models import Nomination, RewardEntry
from tests.factories import AgencyFactory, post_confirmed, user_for
from tests.fieldtests.helpers import a_tester, call, city_cycle

from .helpers import candidate, office_entry, written_review

pytestmark = pytest.mark.django_db


def office():
    return user_for(Role.COORDINATOR)


def get(client, user, url):
    client.force_login(user)
    return client.get(url).status_code


def post(client, user, url, data=None):
    client.force_login(user)
    return client.post(url, data or {})


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
def test_roster_pages_office_only(client, role, expected):
    cycle, (a,) = city_cycle(1)
    user = (
        user_for(role, agency=a)
        if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD)
        else user_for(role)
    )
    for url in ("/rewards/", f"/rewards/{cycle.year}/roster.xlsx"):
        assert get(client, user, url) == expected, url
    for url in (f"/rewards/{cycle.year}/recompute/", f"/rewards/{cycle.year}/entries/new/"):
        client.force_login(user)
        assert client.post(url, {}).status_code == (302 if expected == 200 else 403), url


@pytest.mark.parametrize(
    "role,expected",
    [
        (Role.COORDINATOR, 200),
        (Role.TESTER, 403),
        (Role.AGENCY_OFFICER, 200),
        (Role.AGENCY_HEAD, 200),
        (Role.REVIEWER, 403),
    ],
)
def test_award_page_by_role(client, role, expected):
    city_cycle(1)
    user = user_for(role)
    assert get(client, user, "/rewards/award/") == expected


def test_roster_shows_entries_and_exports(client):
    from openpyxl import load_workbook

    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester())
    client.force_login(office())
    page = client.get(f"/rewards/?cycle={cycle.year}").content.decode()
    assert f"主管{a.code}" in page and "CITY-13" in page
    assert "0 → 2" in page  # the roster history: recomputed from 0 to 2 entries
    for fmt, magic in (("xlsx", b"PK"), ("ods", b"PK"), ("pdf", b"%PDF-")):
        response = client.get(f"/rewards/{cycle.year}/roster.{fmt}")
        assert response.status_code == 200 and response.content.startswith(magic)
    wb = load_workbook(io.BytesIO(client.get(f"/rewards/{cycle.year}/roster.xlsx").content))
    assert len(list(wb.worksheets[0].iter_rows(values_only=True))) == 3  # header + 2 entries
    assert client.get(f"/rewards/{cycle.year}/roster.doc").status_code == 404


def test_manual_entry_through_form_and_delete(client):
    cycle, _ = city_cycle(1)
    user = office()
    response = post(
        client,
        user,
        f"/rewards/{cycle.year}/entries/new/",
        {
            "person": "研考會 王專員",
            "role": "承辦",
            "kind": "commendation",
            "count": "1",
            "rule": "CITY-14",
            "reason": "獲獎機關承辦",
        },
    )
    assert response.status_code == 302
    entry = RewardEntry.objects.get()
    assert (entry.manual, entry.person) == (True, "研考會 王專員")
    post_confirmed(client, f"/rewards/entries/{entry.pk}/delete/")
    assert RewardEntry.objects.count() == 0


def test_manual_entry_bad_count_names_field(client):
    cycle, _ = city_cycle(1)
    response = post(
        client,
        office(),
        f"/rewards/{cycle.year}/entries/new/",
        {"person": "x", "kind": "commendation", "count": "0", "rule": "CITY-14", "reason": "r"},
    )
    assert response.status_code == 302
    assert RewardEntry.objects.count() == 0
    page = client.get(response.url).content.decode()
    assert "次數" in page or "Count" in page


def test_computed_entry_cannot_be_deleted(client):
    cycle, (a,) = city_cycle(1)
    call(cycle, a, a_tester())
    entry = RewardEntry.objects.first()
    post(client, office(), f"/rewards/entries/{entry.pk}/delete/")
    assert RewardEntry.objects.filter(pk=entry.pk).exists()


def test_first_level_officer_proposes_subordinates_third_refused(client):
    cycle, _ = city_cycle(1)
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    kids = [candidate(cycle, kind=AgencyKind.SUBORDINATE, parent=parent) for _ in range(3)]
    officer = user_for(Role.AGENCY_OFFICER, agency=parent)
    for kid in kids[:2]:
        post(client, officer, f"/rewards/{cycle.year}/award/propose/", {"agency": kid.pk})
    response = post(
        client, officer, f"/rewards/{cycle.year}/award/propose/", {"agency": kids[2].pk}
    )
    assert Nomination.objects.count() == 2
    page = client.get(response.url).content.decode()
    assert "每個一級機關最多推薦 2 個所屬機關" in page


def test_officer_cannot_propose_other_agency(client):
    cycle, _ = city_cycle(1)
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    other_kid = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=AgencyFactory())
    officer = user_for(Role.AGENCY_OFFICER, agency=parent)
    post(client, officer, f"/rewards/{cycle.year}/award/propose/", {"agency": other_kid.pk})
    assert Nomination.objects.count() == 0


def test_nomination_object_views_own_other_none(client):
    cycle, _ = city_cycle(1)
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    kid = candidate(cycle, kind=AgencyKind.SUBORDINATE, parent=parent)
    n = services.nomination_propose(cycle=cycle, agency=kid, actor=office())
    own = user_for(Role.AGENCY_OFFICER, agency=parent)
    other = user_for(Role.AGENCY_OFFICER, agency=AgencyFactory())
    # status, attendance and consent: office only (403 for every other role)
    for url in (
        f"/rewards/award/{n.pk}/step/",
        f"/rewards/award/{n.pk}/attendance/",
        f"/rewards/award/{n.pk}/consent/",
    ):
        for user in (own, other, user_for(Role.TESTER), user_for(Role.REVIEWER)):
            assert post(client, user, url).status_code == 403
    # withdraw: another agency's nomination answers 404; the proposer's agency may withdraw
    assert post(client, other, f"/rewards/award/{n.pk}/withdraw/").status_code == 404
    assert (
        post(client, user_for(Role.TESTER), f"/rewards/award/{n.pk}/withdraw/").status_code == 403
    )
    client.force_login(own)
    assert post_confirmed(client, f"/rewards/award/{n.pk}/withdraw/").status_code == 302
    assert not Nomination.objects.filter(pk=n.pk).exists()


def test_award_page_shows_only_own_nominations(client):
    cycle, _ = city_cycle(1)
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    kid = candidate(cycle, kind=AgencyKind.SUBORDINATE, parent=parent)
    stranger = candidate(cycle, kind=AgencyKind.DISTRICT_OFFICE)
    services.nomination_propose(cycle=cycle, agency=kid, actor=office())
    services.nomination_propose(cycle=cycle, agency=stranger, actor=office())
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=parent))
    page = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert kid.name in page and stranger.name not in page


def test_office_records_status_attendance_consent(client):
    cycle, _ = city_cycle(1)
    user = office()
    nominee = candidate(cycle)
    written_review(cycle, nominee)
    n = services.nomination_propose(cycle=cycle, agency=nominee, actor=user)
    post(
        client, user, f"/rewards/award/{n.pk}/step/", {"status": "recommended", "on": "2027-06-01"}
    )
    post(
        client,
        user,
        f"/rewards/award/{n.pk}/attendance/",
        {"session": "輔導課程", "on": "2027-07-01", "attended": "on"},
    )
    post(client, user, f"/rewards/award/{n.pk}/consent/", {"consent": "on"})
    n.refresh_from_db()
    assert (n.status, n.consent_reuse, n.attendance.count()) == ("recommended", True, 1)
    assert n.steps.get().on == date(2027, 6, 1)
    page = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert "10,000" in page


def test_roster_page_query_count_same_at_1_and_5_agencies(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, agencies = city_cycle(5)
    who = a_tester()
    client.force_login(office())
    counts = []
    for i, a in enumerate(agencies):
        call(cycle, a, who, staff=f"受測者{i}")
        if i in (0, 4):
            client.get(f"/rewards/?cycle={cycle.year}")  # settle the roster first
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/rewards/?cycle={cycle.year}").status_code == 200
            counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_award_page_query_count_same_at_1_and_5_nominations(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cycle, _ = city_cycle(1)
    user = office()
    client.force_login(user)
    client.get(f"/rewards/award/?cycle={cycle.year}")  # the session is cached from here on
    counts = []
    for i in range(5):
        services.nomination_propose(cycle=cycle, agency=candidate(cycle), actor=user)
        if i in (0, 4):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(f"/rewards/award/?cycle={cycle.year}").status_code == 200
            counts.append(len(ctx))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "role", [Role.TESTER, Role.REVIEWER, Role.AGENCY_OFFICER, Role.AGENCY_HEAD]
)
def test_entry_delete_and_propose_refused_by_role(client, role):
    cycle, (a,) = city_cycle(1)
    entry = services.entry_add(
        cycle=cycle,
        person="x",
        role="",
        agency=None,
        kind="commendation",
        count=1,
        rule="CITY-14",
        reason="r",
        actor=office(),
    )
    user = (
        user_for(role, agency=a)
        if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD)
        else user_for(role)
    )
    assert post(client, user, f"/rewards/entries/{entry.pk}/delete/").status_code == 403
    assert RewardEntry.objects.filter(pk=entry.pk).exists()
    expected = 302 if role in (Role.AGENCY_OFFICER, Role.AGENCY_HEAD) else 403
    kid = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=AgencyFactory())
    assert (
        post(client, user, f"/rewards/{cycle.year}/award/propose/", {"agency": kid.pk}).status_code
        == expected
    )
    assert Nomination.objects.count() == 0  # not their subordinate (or not allowed at all)


def test_manual_entry_agency_by_code_and_unknown_agency_named(client):
    cycle, (a,) = city_cycle(1)
    user = office()
    data = {
        "person": "局長",
        "kind": "major_merit",
        "count": "1",
        "rule": "CITY-14",
        "reason": "獲獎",
    }
    post(client, user, f"/rewards/{cycle.year}/entries/new/", {**data, "agency": a.code})
    assert RewardEntry.objects.get().agency == a
    response = post(client, user, f"/rewards/{cycle.year}/entries/new/", {**data, "agency": "NOPE"})
    assert RewardEntry.objects.count() == 1
    assert "沒有這個代碼或名稱的機關" in client.get(response.url).content.decode()


def test_office_edits_its_entry_after_publication_on_a_page_hsc_14(client):
    """HSC-14: after publication the office changes its own entry from the roster;
    a bad count is named and nothing changes; computed entries have no edit page."""
    from django.utils import timezone

    from tests.factories import make_cycle

    cycle = make_cycle(year=105)
    user = office()
    entry = office_entry(cycle, user, person="委員 甲", role="考核委員", reason="擔任考核委員")
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at"])
    client.force_login(user)
    roster = client.get(f"/rewards/?cycle={cycle.year}").content.decode()
    assert f"/rewards/entries/{entry.pk}/edit/" in roster and user.username in roster
    page = client.get(f"/rewards/entries/{entry.pk}/edit/")
    assert page.status_code == 200 and "委員 甲" in page.content.decode()
    data = {
        "person": "委員 乙",
        "role": "考核委員",
        "agency": "",
        "kind": "commendation",
        "rule": "HSC-14",
        "reason": "擔任考核委員",
    }
    bad = client.post(f"/rewards/entries/{entry.pk}/edit/", {**data, "count": "12"})
    assert bad.status_code == 400 and "次數" in bad.content.decode()
    entry.refresh_from_db()
    assert entry.person == "委員 甲"
    done = client.post(f"/rewards/entries/{entry.pk}/edit/", {**data, "count": "2"})
    assert done.status_code == 302
    entry.refresh_from_db()
    assert (entry.person, entry.count) == ("委員 乙", 2)
    computed = RewardEntry.objects.create(
        cycle=cycle, person="主管", kind="commendation", count=2, rule="HSC-11"
    )
    assert client.get(f"/rewards/entries/{computed.pk}/edit/").status_code == 404
    assert get(client, user_for(Role.AGENCY_OFFICER), f"/rewards/entries/{entry.pk}/edit/") == 403


def test_award_page_shows_the_city_panels_review_to_the_office_only_city10(client):
    """CITY-10: the city's written review and on-site evaluation decide the
    recommendations, so the office sees both beside each nominee (from the reviews
    app's panel), is warned when it recommends before the panel has done both, and
    agencies never see the unpublished figures."""
    from serviceeval.reviews.selectors import results_for_cycle
    from serviceeval.reviews.services import visit_record
    from tests.reviews.helpers import score_all, setup_cycle

    cycle, (done, pending), (reviewer,), user = setup_cycle(n_agencies=2, n_reviewers=1)
    score_all(cycle, [(done, reviewer, 0.8)])
    visit_record(
        cycle=cycle, agency=done, on=date(2016, 10, 5), members=[reviewer], notes="", actor=user
    )
    outsider = AgencyFactory()
    with pytest.raises(services.RewardError, match="不是本年度受評機關"):
        services.nomination_propose(cycle=cycle, agency=outsider, actor=user)  # issue 13
    noms = {
        a.code: services.nomination_propose(cycle=cycle, agency=a, actor=user)
        for a in (done, pending)
    }
    total = next(r.total for r in results_for_cycle(cycle) if r.agency_id == done.pk)

    client.force_login(user)
    page = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert "本府書面審查／實地評核" in page
    assert str(total) in page and "實地評核 民國105年10月5日" in page
    assert "書面審查尚未完成" in page

    warned = client.post(
        f"/rewards/award/{noms[pending.code].pk}/step/",
        {"status": "recommended", "on": "2016-11-01"},
        follow=True,
    )
    assert "尚未完成" in warned.content.decode() and pending.name in warned.content.decode()
    clean = client.post(
        f"/rewards/award/{noms[done.code].pk}/step/",
        {"status": "recommended", "on": "2016-11-01"},
        follow=True,
    )
    assert f"尚未完成{done.name}" not in clean.content.decode()

    client.force_login(user_for(Role.AGENCY_OFFICER, agency=done))
    page = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert done.name in page and "本府書面審查／實地評核" not in page and str(total) not in page
