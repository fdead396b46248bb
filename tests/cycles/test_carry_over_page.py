"""HSC-11 on the cycle page: agencies carried over after next year's cycle started
scoring are listed as owed, and the office adds them from there."""

import pytest
from django.core.management import call_command

from serviceeval.accounts.enums import Role
from serviceeval.cycles.services import cycle_mark_scoring_started
from serviceeval.reviews.services import assign
from tests.factories import make_cycle, post_confirmed, user_for
from tests.reviews.helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def _owed():
    cycle, (a, b), (r1,), office = setup_cycle(2, 1)
    score_all(cycle, [(a, r1, "0.6"), (b, r1, "0.9")])
    assign(cycle=cycle, reviewer=r1, agency=a, actor=office, round="re-evaluation")
    score_all(cycle, [(a, r1, "0.65")], round="re-evaluation")
    nxt = make_cycle(year=106, groups=["2"])
    cycle_mark_scoring_started(cycle=nxt)
    call_command("publish_results", "--cycle", "105")
    return nxt, a, office


def test_owed_agency_is_listed_and_the_office_adds_it_hsc11(client):
    nxt, a, office = _owed()
    client.force_login(office)
    html = client.get("/cycles/106/").content.decode()
    assert 'title="HSC-11">應續評但尚未列入本年度考核之機關</h2>' in html
    assert a.name in html and "民國105年度考列丙等且未通過複評 (HSC-11)" in html
    response = post_confirmed(client, "/cycles/106/carry-over/", {"agency": a.pk}, follow=True)
    assert response.status_code == 200
    assert f"{a.name} 已列入本年度考核（續評，HSC-11）。" in response.content.decode()
    assert nxt.participants.get(agency=a).reason == "carry_over"
    assert "應續評但尚未列入本年度考核之機關" not in client.get("/cycles/106/").content.decode()


def test_adding_an_agency_not_owed_is_refused_with_a_message(client):
    nxt, a, office = _owed()
    client.force_login(office)
    for value in ("", "abc", str(a.pk + 1000)):
        response = client.post("/cycles/106/carry-over/", {"agency": value}, follow=True)
        assert response.status_code == 200
        html = response.content.decode()
        assert "請選擇機關。" in html or "此機關不在應續評名單中" in html
    assert not nxt.participants.filter(agency=a).exists()


def test_only_the_office_sees_or_adds_the_owed_agencies(client):
    nxt, a, office = _owed()
    officer = user_for(Role.AGENCY_OFFICER, agency=a)
    client.force_login(officer)
    assert client.post("/cycles/106/carry-over/", {"agency": a.pk}).status_code == 403
    assert not nxt.participants.filter(agency=a).exists()
