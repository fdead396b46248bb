"""The results and calibration pages at national scale (SPEC §5 pages): one group or
all, a page of rows at a time, figures computed once per data revision and never
stale after an audited change; query counts that do not grow with the agencies."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.core import memo
from serviceeval.reviews.services import publish_results, sheet_reopen
from tests.factories import GroupFactory

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def results_url(cycle, query=""):
    return f"/reviews/cycles/{cycle.year}/results/{query}"


def row(agency):
    """How a row of the table names its agency (the forms below list every agency)."""
    return f"{agency.name}</a> <small>{agency.code}</small>"


def test_results_page_shows_one_group_when_asked(client):
    one, two = GroupFactory(code="1"), GroupFactory(code="2")
    cycle, agencies, (r1,), office = setup_cycle(2, 1, group=one)
    from serviceeval.cycles.models import Participant

    Participant.objects.filter(cycle=cycle, agency=agencies[1]).update(group=two)
    score_all(cycle, [(a, r1, "0.85") for a in agencies])
    client.force_login(office)
    both = client.get(results_url(cycle)).content.decode()
    assert row(agencies[0]) in both and row(agencies[1]) in both
    html = client.get(results_url(cycle, "?group=2")).content.decode()
    assert row(agencies[1]) in html and row(agencies[0]) not in html
    assert 'href="?group=2" aria-current="page"' in html
    # an unknown group shows them all
    unknown = client.get(results_url(cycle, "?group=nope")).content.decode()
    assert row(agencies[0]) in unknown and row(agencies[1]) in unknown


def test_results_page_is_paginated_with_zh_hant_controls(client, monkeypatch):
    # The module, not the view of the same name the package exports.
    results_views = importlib.import_module("serviceeval.reviews.views.results")
    monkeypatch.setattr(results_views, "RESULTS_PAGE_SIZE", 2)
    cycle, agencies, (r1,), office = setup_cycle(5, 1)
    score_all(cycle, [(a, r1, "0.85") for a in agencies])
    client.force_login(office)
    first = client.get(results_url(cycle)).content.decode()
    assert "第 1 / 3" in first.replace("頁 ", "第 ") or "1 / 3" in first
    assert "下一頁" in first and "上一頁" not in first
    last = client.get(results_url(cycle, "?page=3")).content.decode()
    assert "上一頁" in last and "下一頁" not in last
    shown = [a for a in agencies if row(a) in first] + [a for a in agencies if row(a) in last]
    assert len(shown) == 3  # 2 on the first page, 1 on the last


def test_results_page_follows_an_audited_change_at_once(client):
    cycle, agencies, (convener, member), office = setup_cycle(1, 2)
    score_all(cycle, [(agencies[0], convener, "0.9"), (agencies[0], member, "0.9")])
    client.force_login(office)
    assert client.get(results_url(cycle)).content.decode().count("甲等") == 2
    score_all(cycle, [(agencies[0], convener, "0.5"), (agencies[0], member, "0.5")])
    html = client.get(results_url(cycle)).content.decode()
    assert "甲等" not in html and "丙等" in html


def test_calibration_follows_an_audited_change_at_once(client):
    cycle, (a, b), (convener, member), office = setup_cycle(2, 2)
    score_all(
        cycle, [(a, convener, "0.9"), (a, member, "0.5"), (b, convener, "0.8"), (b, member, "0.8")]
    )
    client.force_login(convener)
    url = f"/reviews/cycles/{cycle.year}/calibration/"
    assert a.name in client.get(url).content.decode()
    sheet = cycle.sheets.get(agency=a, reviewer=member)
    sheet_reopen(sheet=sheet, reason="再議", actor=convener)
    html = client.get(url).content.decode()
    assert a.name not in html  # the reopened sheet no longer counts: no disagreement left


@pytest.mark.parametrize("published", [False, True])
def test_results_page_queries_do_not_grow_with_agencies(client, published):
    counts = []
    for n, year in ((1, 105), (5, 106)):
        cycle, agencies, (r1,), office = setup_cycle(n, 1, year=year)
        score_all(cycle, [(a, r1, "0.85") for a in agencies])
        if published:
            publish_results(cycle=cycle, actor=office)
        client.force_login(office)
        client.get(results_url(cycle))
        for cold in (True, False):
            if cold:
                memo.clear()
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(results_url(cycle, "?group=1")).status_code == 200
            counts.append((cold, len(ctx)))
    assert counts[:2] == counts[2:]
