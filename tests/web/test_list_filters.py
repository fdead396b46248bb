"""Issue 12 item 4: the agency list searched by code or name, filtered by group and
kind, sorted by every column both ways, paged; the filters live in the URL and stay
in the pager's and the sort links; the query count does not grow with agencies."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.web import views
from tests.factories import AgencyFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client):
    client.force_login(UserFactory(role=Role.COORDINATOR))
    return client


def rows(html):
    """The agency codes of the table's rows, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr><td>([^<]+)</td>", body)


def test_search_by_code_or_name(office):
    AgencyFactory(code="X100", name="新竹市政府交通處")
    AgencyFactory(code="Y200", name="新竹市消防局")
    assert rows(office.get("/agencies/?q=x100").content.decode()) == ["X100"]
    assert rows(office.get("/agencies/?q=消防").content.decode()) == ["Y200"]
    html = office.get("/agencies/?q=nothing-like-it").content.decode()
    assert rows(html) == [] and "沒有符合篩選條件的機關" in html
    assert 'value="消防"' in office.get("/agencies/?q=消防").content.decode()


def test_filters_by_group_and_kind(office):
    g1, g2 = GroupFactory(code="1"), GroupFactory(code="2")
    AgencyFactory(code="A1", group=g1, kind=AgencyKind.FIRST_LEVEL)
    AgencyFactory(code="A2", group=g2, kind=AgencyKind.FIRST_LEVEL)
    AgencyFactory(code="A3", group=g2, kind=AgencyKind.DISTRICT_OFFICE)
    assert rows(office.get("/agencies/?group=2").content.decode()) == ["A2", "A3"]
    assert rows(office.get("/agencies/?kind=district-office").content.decode()) == ["A3"]
    assert rows(office.get("/agencies/?group=1&kind=district-office").content.decode()) == []


@pytest.mark.parametrize("key", ["code", "name", "kind", "category", "group", "parent"])
def test_every_column_sorts_both_ways(office, key):
    g1, g2 = GroupFactory(code="1"), GroupFactory(code="2")
    parent = AgencyFactory(code="P0", name="丙上級", group=g2)
    AgencyFactory(code="B1", name="乙", group=g1, kind=AgencyKind.SUBORDINATE, parent=parent)
    AgencyFactory(code="C2", name="甲", group=g2, kind=AgencyKind.DISTRICT_OFFICE)
    ascending = rows(office.get(f"/agencies/?sort={key}").content.decode())
    descending = rows(office.get(f"/agencies/?sort=-{key}").content.decode())
    assert sorted(ascending) == ["B1", "C2", "P0"]
    expected = [
        a.code
        for a in Agency.objects.order_by(*views.AGENCY_LIST.sorts[key]).select_related("group")
    ]
    assert ascending == expected
    reversed_terms = [t[1:] if t.startswith("-") else f"-{t}" for t in views.AGENCY_LIST.sorts[key]]
    assert descending == [a.code for a in Agency.objects.order_by(*reversed_terms)]


def test_sort_headers_keep_the_filters_and_say_the_order(office):
    AgencyFactory(code="A1", kind=AgencyKind.FIRST_LEVEL)
    html = office.get("/agencies/?kind=first-level&sort=name").content.decode()
    assert 'aria-sort="ascending"' in html
    assert 'href="?kind=first-level&amp;sort=-name"' in html  # a second click: descending
    assert 'href="?kind=first-level&amp;sort=code"' in html
    assert '<input type="hidden" name="sort" value="name">' in html  # the form keeps it


def test_paging_keeps_search_filters_and_sort(office, monkeypatch):
    monkeypatch.setattr(views, "AGENCY_PAGE_SIZE", 2)
    group = GroupFactory(code="9")
    for i in range(3):
        AgencyFactory(code=f"K{i}", name=f"關鍵機關{i}", group=group)
    AgencyFactory(code="K9", name="他組")  # another group
    first = office.get("/agencies/?q=關鍵&group=9&sort=-code").content.decode()
    assert rows(first) == ["K2", "K1"]
    assert 'href="?q=%E9%97%9C%E9%8D%B5&amp;group=9&amp;sort=-code&amp;page=2"' in first
    second = office.get("/agencies/?q=關鍵&group=9&sort=-code&page=2").content.decode()
    assert rows(second) == ["K0"]


def test_two_filters_never_share_a_cached_body(office):
    AgencyFactory(code="A1", name="甲")
    AgencyFactory(code="B2", name="乙")
    assert rows(office.get("/agencies/?q=A1").content.decode()) == ["A1"]
    assert rows(office.get("/agencies/?q=B2").content.decode()) == ["B2"]
    assert rows(office.get("/agencies/?sort=-code").content.decode()) == ["B2", "A1"]


def test_hostile_values_answer_a_page(office):
    for query in ("sort=__class__", "sort=-", "q=" + "x" * 500, "page=-3", "kind=%00", "group=';"):
        assert office.get(f"/agencies/?{query}").status_code < 500


@pytest.mark.parametrize("query", ["", "?q=A&sort=-name", "?group=g&kind=first-level&sort=parent"])
def test_queries_do_not_grow_with_agencies(client, query):
    from serviceeval.core import fragments

    client.force_login(UserFactory(role=Role.COORDINATOR))
    group = GroupFactory(code="g")
    parent = AgencyFactory(group=group)
    client.get(f"/agencies/{query}")  # warm (session, middleware caches)
    counts = []
    for n in (1, 5):
        while Agency.objects.filter(parent=parent).count() < n:
            AgencyFactory(group=group, parent=parent)
        fragments.clear()  # the body is rendered, not served from the cache
        with CaptureQueriesContext(connection) as ctx:
            html = client.get(f"/agencies/{query}").content.decode()
        counts.append(len(ctx))
        if not query:
            assert len(rows(html)) == n + 1
    assert counts[0] == counts[1]
