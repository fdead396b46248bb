"""Issue 12 item 4: the calibration page's reviewers and the panel page's
assignments are lists people can use: sort both ways, the flagged-only filter;
search by agency or reviewer, round and group filters, paging, all in the URL;
the query count does not grow with the data."""

import importlib
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.cycles.models import Participant
from tests.factories import GroupFactory

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db

panel_views = importlib.import_module("serviceeval.reviews.views.panel")


def get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def count(client, user, url):
    client.force_login(user)
    client.get(url)  # warm caches (program spec, sessions)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


# --- calibration ------------------------------------------------------------------------


def calibration_world(year=105):
    """Agency 0 scored 0.9 and 0.3 by the first two reviewers (flagged), agency 1
    scored 0.6 by the third alone."""
    cycle, agencies, reviewers, office = setup_cycle(2, 3, year=year, assign_all=False)
    from serviceeval.reviews.services import assign

    plan = [(agencies[0], reviewers[0], "0.9"), (agencies[0], reviewers[1], "0.3")]
    plan.append((agencies[1], reviewers[2], "0.6"))
    for agency, reviewer, _f in plan:
        assign(cycle=cycle, reviewer=reviewer, agency=agency, actor=office)
    score_all(cycle, plan)
    return cycle, agencies, reviewers, office


def reviewer_rows(html):
    table = html.split('id="calibration-reviewers"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*><td>([^<]+)</td>", table.split("<tbody>", 1)[1])


def test_calibration_sorts_by_each_column_both_ways(client):
    cycle, _agencies, reviewers, office = calibration_world()
    base = f"/reviews/cycles/{cycle.year}/calibration/"
    names = [str(r) for r in reviewers]
    by_mean = reviewer_rows(get(client, office, f"{base}?sort=mean"))
    assert by_mean == [names[1], names[2], names[0]]  # 30 %, 60 %, 90 %
    assert reviewer_rows(get(client, office, f"{base}?sort=-mean")) == by_mean[::-1]
    for key in ("reviewer", "n", "spread", "deviation", "flags"):
        up = reviewer_rows(get(client, office, f"{base}?sort={key}"))
        assert sorted(up) == sorted(names), key
    assert reviewer_rows(get(client, office, f"{base}?sort=-flags"))[-1] == names[2]
    html = get(client, office, f"{base}?sort=-mean")
    assert 'aria-sort="descending"' in html and 'href="?sort=mean"' in html


def test_calibration_flagged_only_keeps_the_reviewers_of_flagged_criteria(client):
    cycle, _agencies, reviewers, office = calibration_world()
    base = f"/reviews/cycles/{cycle.year}/calibration/"
    rows = reviewer_rows(get(client, office, f"{base}?flagged=1&sort=-mean"))
    assert rows == [str(reviewers[0]), str(reviewers[1])]
    html = get(client, office, f"{base}?flagged=1&sort=-mean")
    assert 'href="?flagged=1&amp;sort=mean"' in html  # the sort link keeps the filter
    assert len(reviewer_rows(get(client, office, f"{base}?flagged=nonsense"))) == 3


def test_calibration_query_count_same_at_1_and_5_agencies(client):
    counts = []
    for n, year in ((1, 105), (5, 106)):
        cycle, agencies, (convener, member), office = setup_cycle(n, 2, year=year)
        score_all(
            cycle, [(a, r, f) for a in agencies for r, f in ((convener, "0.9"), (member, "0.2"))]
        )
        counts.append(
            count(client, office, f"/reviews/cycles/{year}/calibration/?flagged=1&sort=-deviation")
        )
    assert counts[0] == counts[1]


# --- panel page: assignments -------------------------------------------------------------


def assignment_rows(html):
    table = html.split('id="assignments-table"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<tr><td><a href="[^"]+">([^<]+)</a></td><td>([^<]+)</td>', table)


def test_panel_assignments_search_by_agency_or_reviewer(client):
    cycle, agencies, reviewers, office = setup_cycle(3, 2)
    base = f"/reviews/cycles/{cycle.year}/panel/"
    rows = assignment_rows(get(client, office, f"{base}?q={agencies[1].code}"))
    assert {a for a, _r in rows} == {agencies[1].name} and len(rows) == 2
    rows = assignment_rows(get(client, office, f"{base}?q={agencies[2].name}"))
    assert {a for a, _r in rows} == {agencies[2].name}
    rows = assignment_rows(get(client, office, f"{base}?q={reviewers[0].username}"))
    assert {r for _a, r in rows} == {str(reviewers[0])} and len(rows) == 3
    assert "沒有符合篩選條件的分派" in get(client, office, f"{base}?q=無此機關")


def test_panel_assignments_filter_by_round_and_group(client):
    cycle, agencies, _reviewers, office = setup_cycle(3, 2)
    other = GroupFactory(code="G9", name="其他組")
    Participant.objects.filter(cycle=cycle, agency=agencies[0]).update(group=other)
    base = f"/reviews/cycles/{cycle.year}/panel/"
    rows = assignment_rows(get(client, office, f"{base}?group=G9"))
    assert {a for a, _r in rows} == {agencies[0].name}
    assert len(assignment_rows(get(client, office, f"{base}?round=first"))) == 6
    assert "沒有符合篩選條件的分派" in get(client, office, f"{base}?round=second")
    assert "沒有符合篩選條件的分派" in get(client, office, f"{base}?round=bogus&group=x")
    assert '<option value="G9"' in get(client, office, base)


def test_panel_assignments_sort_both_ways(client):
    cycle, agencies, reviewers, office = setup_cycle(3, 2)
    from serviceeval.reviews.models import Assignment

    Assignment.objects.filter(cycle=cycle, reviewer=reviewers[1], agency=agencies[0]).delete()
    base = f"/reviews/cycles/{cycle.year}/panel/"
    by_agency = assignment_rows(get(client, office, f"{base}?sort=agency"))
    assert [a for a, _ in by_agency] == sorted(a for a, _ in by_agency)
    assert assignment_rows(get(client, office, f"{base}?sort=-agency")) != by_agency
    down = [a for a, _ in assignment_rows(get(client, office, f"{base}?sort=-agency"))]
    assert down == sorted(down, reverse=True)
    by_load = assignment_rows(get(client, office, f"{base}?sort=count"))
    assert by_load[0][1] == str(reviewers[1])  # 2 assignments against 3
    assert assignment_rows(get(client, office, f"{base}?sort=-count"))[-1][1] == str(reviewers[1])
    by_reviewer = assignment_rows(get(client, office, f"{base}?sort=reviewer"))
    assert assignment_rows(get(client, office, f"{base}?sort=-reviewer")) == by_reviewer[::-1]
    first = min(reviewers, key=lambda r: r.username)
    assert by_reviewer[0][1] == str(first)


def test_panel_assignments_page_and_keep_filters(client, monkeypatch):
    monkeypatch.setattr(panel_views, "ASSIGNMENTS_PAGE", 2)
    cycle, agencies, _reviewers, office = setup_cycle(3, 2)
    base = f"/reviews/cycles/{cycle.year}/panel/"
    first = get(client, office, f"{base}?round=first&sort=-agency")
    assert len(assignment_rows(first)) == 2
    assert "?round=first&amp;sort=-agency&amp;page=2" in first
    assert 'href="?round=first&amp;sort=agency"' in first  # sort link keeps the filter
    third = get(client, office, f"{base}?round=first&sort=-agency&page=3")
    assert {a for a, _ in assignment_rows(third)} == {min(a.name for a in agencies)}


def test_panel_query_count_same_at_1_and_5_agencies(client):
    counts = []
    for n, year in ((1, 105), (5, 106)):
        _cycle, _agencies, _reviewers, office = setup_cycle(n, 2, year=year)
        url = f"/reviews/cycles/{year}/panel/?q=測試&round=first&group=1&sort=-count"
        counts.append(count(client, office, url))
    assert counts[0] == counts[1]
