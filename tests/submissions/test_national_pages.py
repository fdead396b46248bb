"""Submission pages at national scale (SPEC §5 pages): the status page's cells are
written by a template tag with the HTML of submissions/_cell.html; the public plans
page shows PUBLIC_PAGE_SIZE plans a page."""

from datetime import timedelta

import pytest
from django.db import connection
from django.template import engines
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from serviceeval.submissions import views
from serviceeval.submissions.models import Submission
from tests.factories import AgencyFactory, make_cycle

pytestmark = pytest.mark.django_db

CELLS = [
    {"required": False},
    {
        "required": True,
        "kind": "plan",
        "state": "not_started",
        "deadline": timezone.now(),
        "reopen": None,
        "overdue": True,
    },
    {
        "required": True,
        "kind": "report",
        "state": "returned",
        "deadline": None,
        "reopen": object(),
        "overdue": False,
    },
    {
        "required": True,
        "kind": "report",
        "state": "accepted",
        "deadline": timezone.now() + timedelta(days=3),
        "reopen": None,
        "overdue": False,
    },
]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_status_cell_tag_writes_the_html_of_the_cell_template(cell, language):
    engine = engines["django"]
    template = engine.from_string(
        '{% include "submissions/_cell.html" with cell=cell year=116 agency_id=7 %}'
    )
    tag = engine.from_string("{% load submissions_tags %}{% status_cell cell 116 7 %}")
    with translation.override(language):
        assert tag.render({"cell": cell}) == template.render({"cell": cell}).strip()


def accepted_plans(cycle, n):
    for _ in range(n):
        Submission.objects.create(
            cycle=cycle,
            agency=AgencyFactory(),
            kind="plan",
            category="overall",
            state="accepted",
            accepted_at=timezone.now(),
        )


def test_public_plans_are_paginated(client, monkeypatch):
    monkeypatch.setattr(views, "PUBLIC_PAGE_SIZE", 2)
    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    accepted_plans(cycle, 3)
    first = client.get(f"/submissions/public/{cycle.year}/").content.decode()
    assert first.count("ODT<span") == 2 and 'href="?page=2"' in first
    second = client.get(f"/submissions/public/{cycle.year}/?page=2").content.decode()
    assert second.count("ODT<span") == 1


def test_public_plans_queries_do_not_grow_with_plans(client):
    counts = []
    for n, year in ((1, 116), (5, 117)):
        cycle = make_cycle(year=year, program_code="city-service-upgrade")
        accepted_plans(cycle, n)
        client.get(f"/submissions/public/{year}/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/submissions/public/{year}/").status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


def test_office_dashboard_lists_what_waits_for_acceptance_in_constant_queries(client):
    from serviceeval.accounts.enums import Role
    from tests.factories import user_for

    cycle = make_cycle(year=116, program_code="city-service-upgrade")
    client.force_login(user_for(Role.COORDINATOR))
    counts = []
    for n in (1, 5):
        Submission.objects.filter(cycle=cycle).delete()
        agencies = [AgencyFactory() for _ in range(n)]
        for a in agencies:
            Submission.objects.create(
                cycle=cycle,
                agency=a,
                kind="report",
                category="overall",
                state="submitted",
                submitted_at=timezone.now(),
            )
        # Written directly, not through the audited services the page caches follow.
        from serviceeval.core import memo

        memo.clear()
        client.get("/dashboard/")
        with CaptureQueriesContext(connection) as ctx:
            html = client.get("/dashboard/").content.decode()
        counts.append(len(ctx))
        assert all(a.name in html for a in agencies)
    assert counts[0] == counts[1]
