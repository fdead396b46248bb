"""Rendered fragments of the submission status, public plans, reward roster, telephone
form and scoring sheet pages (core/fragments.py, SPEC §5 pages): an audited write
shows on the next request; users who must not see each other's data never share a
fragment; live inputs, CSRF tokens and typed input are never from the cache."""

import re

import pytest
from django.utils import translation

from serviceeval.accounts.enums import Role
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import assign, panel_add
from serviceeval.submissions import services as submissions
from serviceeval.submissions.enums import State
from tests.factories import post_confirmed, user_for
from tests.fieldtests.helpers import a_tester, call, city_cycle
from tests.submissions.conftest import build_world
from tests.submissions.helpers import approved_and_submitted, complete_input, plan, report, save

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _label(text):
    with translation.override("zh-hant"):
        return str(text)


def _page(client, user, url):
    if user is None:
        client.logout()
    else:
        client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- submission status (office) ------------------------------------------------------


def test_status_page_shows_an_audited_state_change_on_the_next_request(client):
    w = build_world(program_code="city-service-upgrade")
    url = f"/submissions/status/?cycle={w.cycle.year}"
    approved = _label(State.APPROVED.label)
    sub = plan(w)
    save(sub, w.officer, complete_input(sub))  # audited
    first = _page(client, w.office, url)
    assert approved not in first.split("<table", 1)[1]
    sub.refresh_from_db()
    submissions.submission_approve(submission=sub, user=w.head)  # audited
    assert approved in _page(client, w.office, url).split("<table", 1)[1]


def test_status_page_filters_and_cycles_do_not_share_a_table(client):
    w = build_world(program_code="city-service-upgrade")
    other = build_world(year=117, program_code="city-service-upgrade")
    here = _page(client, w.office, f"/submissions/status/?cycle={w.cycle.year}")
    there = _page(client, w.office, f"/submissions/status/?cycle={other.cycle.year}")
    assert w.agency.name in here and other.agency.name not in here
    assert other.agency.name in there and w.agency.name not in there
    filtered = _page(client, w.office, f"/submissions/status/?cycle={w.cycle.year}&status=accepted")
    assert w.agency.name not in filtered


def test_status_page_is_refused_to_an_agency_after_the_office_filled_its_fragment(client):
    w = build_world(program_code="city-service-upgrade")
    _page(client, w.office, f"/submissions/status/?cycle={w.cycle.year}")
    client.force_login(w.officer)
    response = client.get(f"/submissions/status/?cycle={w.cycle.year}")
    assert response.status_code == 403  # the office's status page is not for agencies
    assert w.other.name not in response.content.decode()


# --- public plans (anonymous) ----------------------------------------------------------


def test_public_plans_show_an_accepted_plan_on_the_next_request_and_no_draft(client):
    w = build_world(program_code="city-service-upgrade")
    url = f"/submissions/public/{w.cycle.year}/"
    sub = plan(w)
    save(sub, w.officer, complete_input(sub))
    sub.refresh_from_db()
    submissions.submission_approve(submission=sub, user=w.head)
    submissions.submission_submit(submission=sub, user=w.officer)
    draft = plan(w, w.other)
    save(draft, w.other_officer, complete_input(draft))
    assert w.agency.name not in _page(client, None, url)
    submissions.submission_accept(submission=sub, user=w.office)  # audited
    page = _page(client, None, url)
    assert w.agency.name in page and w.other.name not in page
    assert w.agency.name in _page(client, w.office, url)  # the same public page


# --- reward roster (office) ------------------------------------------------------------


def _add_entry(cycle, office, person):
    from serviceeval.rewards import services as rewards

    return rewards.entry_add(
        cycle=cycle,
        person=person,
        role="科長",
        agency=None,
        kind="commendation",
        count=1,
        rule="CITY-14",
        reason="協助",
        actor=office,
    )


def test_roster_shows_an_audited_entry_at_once_and_its_delete_form_has_a_fresh_token(client):
    from serviceeval.rewards import services as rewards

    cycle, _agencies = city_cycle(1)
    other, _ = city_cycle(1, year=117)
    office = user_for(Role.COORDINATOR)
    url = f"/rewards/?cycle={cycle.year}"
    assert "王大明" not in _page(client, office, url)
    entry = _add_entry(cycle, office, "王大明")
    page = _page(client, office, url)
    assert "王大明" in page
    assert f'formaction="/rewards/entries/{entry.pk}/delete/"' in page
    assert 'form="roster-delete"' in page and 'id="roster-delete"' in page
    assert "王大明" not in _page(client, office, f"/rewards/?cycle={other.year}")
    tokens = set(TOKEN.findall(page)) | set(TOKEN.findall(_page(client, office, url)))
    assert len(tokens) >= 2  # masked anew on each request: none came from the cache
    response = post_confirmed(
        client,
        f"/rewards/entries/{entry.pk}/delete/",
        {"csrfmiddlewaretoken": TOKEN.findall(page)[0]},
    )
    assert response.status_code == 302
    assert not rewards.RewardEntry.objects.filter(pk=entry.pk).exists()
    assert "王大明" not in _page(client, office, url)


def test_roster_is_refused_to_an_agency_after_the_office_filled_its_fragment(client):
    cycle, (agency,) = city_cycle(1)
    office = user_for(Role.COORDINATOR)
    _add_entry(cycle, office, "王大明")
    assert "王大明" in _page(client, office, f"/rewards/?cycle={cycle.year}")
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=agency))
    response = client.get(f"/rewards/?cycle={cycle.year}")
    assert response.status_code != 200 and "王大明" not in response.content.decode()


# --- record a telephone test (tester) ------------------------------------------------


def test_phone_form_checklist_is_cached_unbound_but_a_posted_form_keeps_its_ticks(client):
    cycle, (a, b) = city_cycle(2)
    tester = a_tester()
    url = f"/fieldtests/{cycle.year}/phone/new/"
    blank = _page(client, tester, url)
    ticked = re.search(r'<input[^>]*name="item_sw_answer_speed"[^>]*>', blank).group(0)
    assert "checked" in ticked  # met by default
    posted = client.post(
        url, {"agency": a.pk, "called_at": "bad", "part_switchboard": "on", "part_business": "on"}
    )
    assert posted.status_code == 200
    unticked = re.search(
        r'<input[^>]*name="item_sw_answer_speed"[^>]*>', posted.content.decode()
    ).group(0)
    assert "checked" not in unticked  # what the tester posted, not the cached checklist
    again = re.search(r'<input[^>]*name="item_sw_answer_speed"[^>]*>', _page(client, tester, url))
    assert "checked" in again.group(0)


def test_phone_form_agency_select_differs_by_the_testers_agency(client):
    cycle, (a, b) = city_cycle(2)
    url = f"/fieldtests/{cycle.year}/phone/new/"

    def options(user):
        page = _page(client, user, url)
        select = re.search(r'<select name="agency".*?</select>', page, re.S).group(0)
        return {int(v) for v in re.findall(r'<option value="(\d+)"', select)}

    assert options(a_tester(agency=a)) == {b.pk}
    assert options(a_tester(agency=b)) == {a.pk}
    assert options(a_tester()) == {a.pk, b.pk}


# --- scoring sheet (reviewer) --------------------------------------------------------


def _sheet_world():
    w = build_world()  # hsinchu-105 in cycle 116: the report is due in 2027
    office = w.office
    reviewers = [user_for(Role.REVIEWER) for _ in range(2)]
    for i, r in enumerate(reviewers):
        role = PanelRole.CONVENER if i == 0 else PanelRole.MEMBER
        panel_add(cycle=w.cycle, user=r, role=role, actor=office)
    for r in reviewers:
        for agency in (w.agency, w.other):
            assign(cycle=w.cycle, reviewer=r, agency=agency, actor=office)
    return w, reviewers


def _sheet_url(cycle, agency):
    return f"/reviews/cycles/{cycle.year}/agencies/{agency.pk}/sheet/first/"


def test_sheet_shows_the_agencys_report_and_field_tests_after_an_audited_write(client):
    w, (r1, _r2) = _sheet_world()
    url = _sheet_url(w.cycle, w.agency)
    page = _page(client, r1, url)
    assert "的具體執行成果與效益" not in page
    approved_and_submitted(w, report(w))  # audited
    page = _page(client, r1, url)
    assert "的具體執行成果與效益" in page
    with translation.override("zh-hant"):
        label = translation.gettext("Telephone test average")
    assert f"{label}: —" in page  # no call yet
    call(w.cycle, w.agency, a_tester())  # audited
    page = _page(client, r1, url)
    assert label in page and f"{label}: —" not in page


def test_sheet_agency_figures_never_cross_agencies_or_reviewers(client):
    w, (r1, r2) = _sheet_world()
    approved_and_submitted(w, report(w))
    theirs = report(w, w.other)
    data = complete_input(theirs)
    for entry in data.entries.values():
        entry.narrative = "他機關的成果"
    save(theirs, w.other_officer, data)
    theirs.refresh_from_db()
    submissions.submission_approve(
        submission=theirs, user=user_for(Role.AGENCY_HEAD, agency=w.other)
    )
    submissions.submission_submit(submission=theirs, user=w.other_officer)
    mine = _page(client, r1, _sheet_url(w.cycle, w.agency))
    other = _page(client, r1, _sheet_url(w.cycle, w.other))
    assert "的具體執行成果與效益" in mine and "他機關的成果" not in mine
    assert "他機關的成果" in other and "的具體執行成果與效益" not in other
    # The first reviewer's own draft stays theirs; the agency's report is shared.
    first_leaf = re.search(r'name="score_([^"]+)"', mine).group(1)
    client.force_login(r1)
    token = TOKEN.findall(mine)[0]
    response = client.post(
        _sheet_url(w.cycle, w.agency),
        {
            "csrfmiddlewaretoken": token,
            "version": "1",
            "action": "save",
            f"comment_{first_leaf}": "第一位委員的意見",
        },
    )
    assert response.status_code == 302
    assert "第一位委員的意見" in _page(client, r1, _sheet_url(w.cycle, w.agency))
    seen = _page(client, r2, _sheet_url(w.cycle, w.agency))
    assert "第一位委員的意見" not in seen and "的具體執行成果與效益" in seen


def test_sheet_of_an_unassigned_reviewer_is_404_after_the_fragment_was_filled(client):
    w, (r1, _r2) = _sheet_world()
    approved_and_submitted(w, report(w))
    assert "的具體執行成果與效益" in _page(client, r1, _sheet_url(w.cycle, w.agency))
    outsider = user_for(Role.REVIEWER)
    client.force_login(outsider)
    response = client.get(_sheet_url(w.cycle, w.agency))
    assert response.status_code == 404
    assert "的具體執行成果與效益" not in response.content.decode()


def test_phone_form_presets_the_moment_of_the_call_afresh_each_minute(client, monkeypatch):
    from datetime import datetime

    from django.utils import timezone

    from serviceeval.fieldtests import views

    cycle, _agencies = city_cycle(1)
    url = f"/fieldtests/{cycle.year}/phone/new/"
    tester = a_tester()
    for minute in (1, 2):
        moment = timezone.make_aware(datetime(2027, 3, 5, 10, minute))
        monkeypatch.setattr(views, "_initial_moment", lambda c, m=moment: {"called_at": m})
        assert f'value="民國116年3月5日 10:0{minute}"' in _page(client, tester, url)
