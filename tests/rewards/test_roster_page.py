"""The roster page at national scale (SPEC §5 pages): 100 entries a page, the first
COMMENDATIONS_SHOWN public commendations with their number (the downloads list all),
in the same number of queries whatever their number."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.core import memo
from serviceeval.rewards import views
from serviceeval.rewards.models import PublicCommendation
from tests.factories import AgencyFactory, user_for
from tests.fieldtests.helpers import city_cycle

pytestmark = pytest.mark.django_db


def commend(cycle, n):
    PublicCommendation.objects.filter(cycle=cycle).delete()
    agencies = [AgencyFactory() for _ in range(n)]
    for i, a in enumerate(agencies):
        PublicCommendation.objects.create(
            cycle=cycle, agency=a, rule="CITY-13", reason="滿分", position=i
        )
    # Written past the audited services: the rendered roster would show them at the
    # next audited write (core/fragments.py); forget it now.
    memo.clear()
    return agencies


def test_the_roster_page_shows_the_first_commendations_and_their_number(client, monkeypatch):
    monkeypatch.setattr(views, "COMMENDATIONS_SHOWN", 2)
    cycle, _agencies = city_cycle(1)
    client.force_login(user_for(Role.COORDINATOR))
    agencies = commend(cycle, 3)
    html = client.get(f"/rewards/?cycle={cycle.year}").content.decode()
    assert agencies[0].name in html and agencies[1].name in html
    assert agencies[2].name not in html
    assert "顯示前 2 筆，共 3 筆" in html
    agencies = commend(cycle, 2)
    html = client.get(f"/rewards/?cycle={cycle.year}").content.decode()
    assert all(a.name in html for a in agencies) and "顯示前" not in html


def test_the_roster_page_queries_do_not_grow_with_commendations(client, monkeypatch):
    monkeypatch.setattr(views, "COMMENDATIONS_SHOWN", 2)
    cycle, _agencies = city_cycle(1)
    client.force_login(user_for(Role.COORDINATOR))
    counts = []
    for n in (1, 5):
        commend(cycle, n)
        client.get(f"/rewards/?cycle={cycle.year}")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/rewards/?cycle={cycle.year}").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
