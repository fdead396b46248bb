"""Issue 12 item 4 (HSC-12): the improvement items searched by agency code or name
or criterion code, filtered by status and group, sorted by agency, code, deadline
and status both ways, paged; the filters stay in the pager's and the sort links;
the query count does not grow with agencies."""

import importlib
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from serviceeval.agencies.models import Group
from serviceeval.cycles.models import Participant
from serviceeval.reviews.models import Improvement
from serviceeval.reviews.services import improvement_create

from .helpers import setup_cycle

views = importlib.import_module("serviceeval.reviews.views.improvements")

pytestmark = pytest.mark.django_db

URL = "/reviews/improvements/"


def texts(html):
    """The item texts of the list's rows, in order."""
    body = html.split('id="improvement-items"', 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/reviews/improvements/\d+/">([^<]+)</a>', body)


@pytest.fixture
def world(client):
    cycle, agencies, _reviewers, office = setup_cycle(3, 1)
    a, b, c = agencies
    a.code, a.name = "X01", "乙機關"
    b.code, b.name = "X02", "甲機關"
    c.code, c.name = "Y03", "丙機關"
    for agency in agencies:
        agency.save()
    g2 = Group.objects.get_or_create(code="2", defaults={"name": "第二組"})[0]
    Participant.objects.filter(cycle=cycle, agency=c).update(group=g2)
    for agency, criterion, text, day in (
        (a, "1.1", "事項一", 3),
        (b, "2.1", "事項二", 1),
        (c, "1.2", "事項三", 2),
    ):
        improvement_create(
            cycle=cycle,
            agency=agency,
            criterion=criterion,
            text=text,
            deadline=date(2099, 1, day),
            actor=office,
        )
    Improvement.objects.filter(text="事項二").update(status="closed")
    client.force_login(office)
    return client


def test_default_order_is_the_deadline(world):
    assert texts(world.get(URL).content.decode()) == ["事項二", "事項三", "事項一"]


def test_search_by_agency_code_name_or_criterion(world):
    assert texts(world.get(URL + "?q=x0").content.decode()) == ["事項二", "事項一"]
    assert texts(world.get(URL + "?q=丙機").content.decode()) == ["事項三"]
    assert texts(world.get(URL + "?q=2.1").content.decode()) == ["事項二"]
    html = world.get(URL + "?q=none-such").content.decode()
    assert "沒有符合篩選條件的應行改進事項" in html
    assert 'value="none-such"' in html


def test_filters_by_status_and_group(world):
    assert texts(world.get(URL + "?status=closed").content.decode()) == ["事項二"]
    assert texts(world.get(URL + "?status=open").content.decode()) == ["事項三", "事項一"]
    assert texts(world.get(URL + "?group=2").content.decode()) == ["事項三"]
    assert "沒有符合" in world.get(URL + "?group=2&status=closed").content.decode()


@pytest.mark.parametrize(
    "key, ascending",
    [
        ("agency", ["事項三", "事項一", "事項二"]),  # 丙 乙 甲 (code points)
        ("code", ["事項一", "事項三", "事項二"]),
        ("deadline", ["事項二", "事項三", "事項一"]),
        ("status", ["事項二", "事項三", "事項一"]),  # closed < open
    ],
)
def test_every_sortable_column_sorts_both_ways(world, key, ascending):
    expected = [i.text for i in Improvement.objects.order_by(*views.IMPROVEMENT_LIST.sorts[key])]
    assert expected == ascending
    assert texts(world.get(f"{URL}?sort={key}").content.decode()) == ascending
    descending = texts(world.get(f"{URL}?sort=-{key}").content.decode())
    assert descending == ascending[::-1]


def test_sort_links_and_pager_keep_the_filters(world, monkeypatch):
    monkeypatch.setattr(views, "IMPROVEMENT_PAGE_SIZE", 1)
    html = world.get(URL + "?status=open&sort=code").content.decode()
    assert texts(html) == ["事項一"]
    assert 'aria-sort="ascending"' in html
    assert 'href="?status=open&amp;sort=-code"' in html
    assert 'href="?status=open&amp;sort=code&amp;page=2"' in html
    assert '<input type="hidden" name="sort" value="code">' in html
    assert texts(world.get(URL + "?status=open&sort=code&page=2").content.decode()) == ["事項三"]


def test_letters_list_every_agency_whatever_the_filters(world):
    html = world.get(URL + "?q=X01").content.decode()
    assert texts(html) == ["事項一"]
    for i in Improvement.objects.all():
        assert (
            reverse("reviews:improvement_letter", args=(i.cycle.year, i.agency_id, "pdf")) in html
        )


def test_hostile_values_answer_a_page(world):
    for query in ("sort=__class__", "status=';", "group=%ff", "q=" + "x" * 300, "page=999999999"):
        assert world.get(f"{URL}?{query}").status_code < 500


@pytest.mark.parametrize("query", ["", "?q=A&sort=-agency", "?status=open&group=1&sort=code"])
def test_queries_do_not_grow_with_agencies(client, query):
    counts = []
    for n, year in ((1, 105), (5, 106)):
        Improvement.objects.all().delete()
        cycle, agencies, _r, office = setup_cycle(n, 1, year=year)
        for a in agencies:
            improvement_create(
                cycle=cycle, agency=a, text="改善", deadline=date(2099, 1, 1), actor=office
            )
        client.force_login(office)
        client.get(URL + query)  # warm
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL + query).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
