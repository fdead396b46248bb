"""Issue 12 item 3: a cycle's grade distribution by group
(`/reviews/cycles/<year>/overview/`), a chart beside a table with the same counts,
for whoever sees every agency's results (the office, the panel's leaders)."""

from xml.etree import ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.reviews.services import publish_results
from tests.factories import user_for

from .helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def test_the_distribution_counts_each_final_grade_per_group(client):
    cycle, (a, b, c), (convener, member), office = setup_cycle(3, 2, year=105)
    score_all(
        cycle,
        [(x, r, f) for x, f in ((a, "0.9"), (b, "0.9"), (c, "0.75")) for r in (convener, member)],
    )
    client.force_login(office)
    url = f"/reviews/cycles/{cycle.year}/overview/"
    response = client.get(url)
    assert response.status_code == 200
    dist = response.context["dist"]
    assert dist["grades"] == ["甲等", "乙等", "丙等"]
    assert [(r["counts"], r["none"], r["total"]) for r in dist["rows"]] == [([2, 1, 0], 0, 3)]
    html = response.content.decode()
    assert "尚未公布" in html  # provisional until published
    root = ET.fromstring(str(response.context["chart"]))
    assert root.get("role") == "img"
    assert "甲等：2" in root.find("{http://www.w3.org/2000/svg}desc").text
    publish_results(cycle=cycle, actor=office)
    assert client.get(url).context["dist"]["published"] is True
    # The results page links to it.
    assert url in client.get(f"/reviews/cycles/{cycle.year}/results/").content.decode()


def test_who_sees_the_distribution(client):
    cycle, agencies, (convener, member), office = setup_cycle(1, 2, year=105)
    url = f"/reviews/cycles/{cycle.year}/overview/"
    client.force_login(convener)
    assert client.get(url).status_code == 200
    client.force_login(member)  # not a leader: no results, no distribution
    assert client.get(url).status_code == 404
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=agencies[0]))
    assert client.get(url).status_code == 403
    client.force_login(office)
    assert client.get("/reviews/cycles/199/overview/").status_code == 404


def test_overview_queries_do_not_grow_with_agencies(client):
    counts = []
    for n, year in ((1, 105), (5, 106)):
        cycle, agencies, (convener, member), office = setup_cycle(n, 2, year=year)
        score_all(cycle, [(a, r, "0.8") for a in agencies for r in (convener, member)])
        client.force_login(office)
        url = f"/reviews/cycles/{year}/overview/"
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
