"""SPEC §5: every list page issues a number of queries that does not grow with
the data — each page measured with 1 and with 5 agencies (rows)."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.reviews.services import improvement_create

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def count(client, user, url):
    client.force_login(user)
    client.get(url)  # warm caches (program spec, sessions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx)


def world(n, year):
    cycle, agencies, (convener, member), office = setup_cycle(n, 2, year=year)
    score_all(cycle, [(a, r, "0.8") for a in agencies for r in (convener, member)])
    for a in agencies:
        improvement_create(
            cycle=cycle, agency=a, text="改善", deadline=date(2099, 1, 1), actor=office
        )
    return cycle, agencies, convener, member, office


PAGES = {
    "panel": ("office", "/reviews/cycles/{year}/panel/"),
    "results": ("office", "/reviews/cycles/{year}/results/"),
    "calibration": ("convener", "/reviews/cycles/{year}/calibration/"),
    "improvements": ("office", "/reviews/improvements/"),
    "reviewer home": ("member", "/reviews/"),
    "reviewer dashboard": ("member", "/dashboard/"),
    "office home": ("office", "/reviews/"),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_queries_do_not_grow_with_agencies(client, page):
    role, pattern = PAGES[page]
    counts = []
    for n, year in ((1, 105), (5, 106)):
        cycle, agencies, convener, member, office = world(n, year)
        user = {"office": office, "convener": convener, "member": member}[role]
        if page == "improvements":
            # The office sees every item; compare against a fresh set of 1 and 5.
            from serviceeval.reviews.models import Improvement

            Improvement.objects.exclude(cycle=cycle).delete()
        counts.append(count(client, user, pattern.format(year=year)))
    assert counts[0] == counts[1]
