"""Issue 12 item 4: the field-test records (calls and visits) searched by agency
code or name, filtered by kind where both are listed, sorted by date, agency and
score both ways, paged; the filters stay in the pager's and the sort links; the
office sees every record, a tester their own; the query count does not grow with
agencies."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.fieldtests import views
from serviceeval.fieldtests.models import MysteryVisit
from tests.factories import user_for

from .helpers import a_tester, at, call, city_cycle

pytestmark = pytest.mark.django_db


def rows(html):
    """(kind, agency code) of the records table's rows, in order."""
    if 'id="records"' not in html:
        return []
    body = html.split('id="records"', 1)[1].split("</tbody>", 1)[0]
    out = []
    for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)[1:]:
        kind = "phone" if "電話禮貌測試" in tr else "mystery"
        out.append((kind, re.search(r"<small>([^<]+)</small>", tr).group(1)))
    return out


@pytest.fixture
def world(client):
    """Cycle 116: A1 甲 (call of 100 on 5 Mar, visit of 60 on 7 Mar), A2 乙 (call of
    less on 6 Mar, by another tester), A3 丙 (visit of 90 on 4 Mar)."""
    cycle, agencies = city_cycle(3)
    for agency, (code, name) in zip(
        agencies, (("A1", "甲機關"), ("A2", "乙機關"), ("A3", "丙機關"))
    ):
        agency.code, agency.name = code, name
        agency.save()
    tester, other = a_tester(), a_tester()
    a1, a2, a3 = agencies
    MysteryVisit.objects.create(
        cycle=cycle, agency=a1, tester=tester, visited_at=at(2027, 3, 7), score=Decimal("60")
    )
    MysteryVisit.objects.create(
        cycle=cycle, agency=a3, tester=other, visited_at=at(2027, 3, 4), score=Decimal("90")
    )
    call(cycle, a1, tester, when=at(2027, 3, 5))  # audited: the memo sees every record
    call(cycle, a2, other, when=at(2027, 3, 6), missing=("sw_greeting", "biz_tone"))
    client.force_login(user_for(Role.COORDINATOR))
    return client, tester


URL = "/fieldtests/records/?cycle=116"


def test_newest_first_by_default(world):
    client, _ = world
    assert rows(client.get(URL).content.decode()) == [
        ("mystery", "A1"),
        ("phone", "A2"),
        ("phone", "A1"),
        ("mystery", "A3"),
    ]


def test_search_by_agency_code_or_name(world):
    client, _ = world
    assert rows(client.get(URL + "&q=a1").content.decode()) == [("mystery", "A1"), ("phone", "A1")]
    assert rows(client.get(URL + "&q=丙機").content.decode()) == [("mystery", "A3")]
    assert "沒有符合篩選條件的紀錄" in client.get(URL + "&q=none").content.decode()


def test_filter_by_kind(world):
    client, _ = world
    html = client.get(URL + "&kind=phone").content.decode()
    assert rows(html) == [("phone", "A2"), ("phone", "A1")]
    assert 'name="kind"' in html  # the program has both kinds: the filter is offered
    assert rows(client.get(URL + "&kind=mystery").content.decode()) == [
        ("mystery", "A1"),
        ("mystery", "A3"),
    ]


@pytest.mark.parametrize(
    "key, ascending",
    [
        ("date", [("mystery", "A3"), ("phone", "A1"), ("phone", "A2"), ("mystery", "A1")]),
        ("score", [("mystery", "A1"), ("phone", "A2"), ("mystery", "A3"), ("phone", "A1")]),
        ("agency", None),
    ],
)
def test_every_column_sorts_both_ways(world, key, ascending):
    client, _ = world
    got = rows(client.get(f"{URL}&sort={key}").content.decode())
    if ascending is None:  # by agency name (code point order of 甲 乙 丙), then date
        from serviceeval.agencies.models import Agency

        names = list(Agency.objects.order_by("name").values_list("code", flat=True))
        assert [code for _k, code in got] == sorted(
            (code for _k, code in got), key=lambda c: names.index(c)
        )
        ascending = got
    assert got == ascending
    assert rows(client.get(f"{URL}&sort=-{key}").content.decode()) == ascending[::-1]


def test_sort_links_and_pager_keep_the_filters(world, monkeypatch):
    client, _ = world
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    html = client.get(URL + "&kind=phone&sort=score").content.decode()
    assert rows(html) == [("phone", "A2")]
    assert 'aria-sort="ascending"' in html
    assert 'href="?cycle=116&amp;kind=phone&amp;sort=-score"' in html
    assert 'href="?cycle=116&amp;kind=phone&amp;sort=score&amp;page=2"' in html
    assert '<input type="hidden" name="sort" value="score">' in html
    assert rows(client.get(URL + "&kind=phone&sort=score&page=2").content.decode()) == [
        ("phone", "A1")
    ]


def test_a_tester_sees_only_their_own_records(client, world):
    _, tester = world
    client.force_login(tester)
    html = client.get(URL).content.decode()
    assert rows(html) == [("mystery", "A1"), ("phone", "A1")]
    assert "我的實地測試紀錄" in html


def test_the_index_links_to_the_records(world):
    client, _ = world
    assert 'href="/fieldtests/records/?cycle=116"' in client.get("/fieldtests/").content.decode()


def test_hostile_values_answer_a_page(world):
    client, _ = world
    for query in ("sort=__class__", "kind=';", "q=" + "x" * 300, "page=-1", "cycle=abc"):
        assert client.get(f"/fieldtests/records/?{query}").status_code < 500


@pytest.mark.parametrize("query", ["", "&q=A&sort=score", "&kind=phone&sort=-agency"])
def test_queries_do_not_grow_with_agencies(client, query):
    office = user_for(Role.COORDINATOR)
    client.force_login(office)
    counts = []
    for n, year in ((1, 116), (5, 117)):
        cycle, agencies = city_cycle(n, year=year)
        tester = a_tester()
        for a in agencies:
            MysteryVisit.objects.create(
                cycle=cycle, agency=a, tester=tester, visited_at=at(year + 1911), score=Decimal(80)
            )
            call(cycle, a, tester)
        url = f"/fieldtests/records/?cycle={year}{query}"
        client.get(url)  # warm
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]
