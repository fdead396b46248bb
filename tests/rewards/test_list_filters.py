"""Issue 12 item 4: the roster and the national-award pipeline are lists people can
use: search, filters, sort both ways and paging live in the URL; the downloads take
the same filters, and a filtered roster document says so in its title line while an
unfiltered one stays the whole roster; the query count does not grow with the data."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serviceeval.accounts.enums import Role
from serviceeval.core import memo
from serviceeval.rewards import services, views
from serviceeval.rewards.models import RewardEntry
from tests.exports.pdftext import pdf_pages
from tests.factories import user_for
from tests.fieldtests.helpers import city_cycle

from .helpers import candidate, office_entry

pytestmark = pytest.mark.django_db


def office():
    return user_for(Role.COORDINATOR)


def roster_world(n=2, year=116):
    """`n` agencies; 王大明 (嘉獎, CITY-14, the office's) at the first, 李小華 (記功,
    CITY-14, the office's) at the second, and a computed 陳一二 (嘉獎, CITY-12)."""
    cycle, agencies = city_cycle(n, year=year)
    user = office()
    office_entry(cycle, user, person="王大明", agency=agencies[0], rule="CITY-14")
    office_entry(
        cycle,
        user,
        person="李小華",
        agency=agencies[-1],
        rule="CITY-14",
        kind="minor_merit",
        count=2,
    )
    RewardEntry.objects.create(
        cycle=cycle, person="陳一二", agency=agencies[0], kind="commendation", rule="CITY-12"
    )
    memo.clear()  # written past the audited services (see test_roster_page.py)
    return cycle, agencies, user


def roster_people(html):
    table = html.split('id="roster"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">([^<]+)</th>', table)


def get(client, user, url):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


# --- roster ---------------------------------------------------------------------------


def test_roster_search_by_person_and_by_agency_code_or_name(client):
    cycle, agencies, user = roster_world()
    base = f"/rewards/?cycle={cycle.year}"
    assert roster_people(get(client, user, f"{base}&q=大明")) == ["王大明"]
    found = roster_people(get(client, user, f"{base}&q={agencies[-1].code}"))
    assert found == ["李小華"]
    found = roster_people(get(client, user, f"{base}&q={agencies[0].name}"))
    assert sorted(found) == ["王大明", "陳一二"]


def test_roster_filters_by_kind_rule_and_source(client):
    cycle, _agencies, user = roster_world()
    base = f"/rewards/?cycle={cycle.year}"
    assert roster_people(get(client, user, f"{base}&kind=minor_merit")) == ["李小華"]
    assert roster_people(get(client, user, f"{base}&rule=CITY-12")) == ["陳一二"]
    assert roster_people(get(client, user, f"{base}&source=computed")) == ["陳一二"]
    office_lines = roster_people(get(client, user, f"{base}&source=office"))
    assert sorted(office_lines) == ["李小華", "王大明"]
    # A value the list does not know: nothing matches, nothing breaks.
    assert 'id="roster"' not in get(client, user, f"{base}&kind=nonsense")
    html = get(client, user, base)
    assert '<option value="CITY-12"' in html and '<option value="minor_merit"' in html


def test_roster_sorts_both_ways_and_sort_links_keep_filters(client):
    cycle, _agencies, user = roster_world()
    base = f"/rewards/?cycle={cycle.year}"
    by_count = roster_people(get(client, user, f"{base}&sort=count"))
    assert by_count[-1] == "李小華"
    assert roster_people(get(client, user, f"{base}&sort=-count"))[0] == "李小華"
    # The reward kind sorts in its own order (嘉獎 before 記功), not by its code.
    assert roster_people(get(client, user, f"{base}&sort=kind"))[-1] == "李小華"
    assert roster_people(get(client, user, f"{base}&sort=-kind"))[0] == "李小華"
    names = roster_people(get(client, user, f"{base}&sort=name"))
    assert roster_people(get(client, user, f"{base}&sort=-name")) == names[::-1]
    html = get(client, user, f"{base}&source=office&sort=name")
    assert 'aria-sort="ascending"' in html
    assert f'href="?cycle={cycle.year}&amp;source=office&amp;sort=-name"' in html
    # An unknown sort key falls back to the roster's own order.
    assert roster_people(get(client, user, f"{base}&sort=reason")) == roster_people(
        get(client, user, base)
    )


def test_roster_pages_keep_filters_in_the_pager(client, monkeypatch):
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    cycle, _agencies, user = roster_world()
    base = f"/rewards/?cycle={cycle.year}&kind=commendation&sort=name"
    first = get(client, user, base)
    assert roster_people(first) == ["王大明"]
    assert f"?cycle={cycle.year}&amp;kind=commendation&amp;sort=name&amp;page=2" in first
    assert roster_people(get(client, user, f"{base}&page=2")) == ["陳一二"]


def test_roster_downloads_take_the_filters_and_say_so(client):
    cycle, agencies, user = roster_world()
    html = get(client, user, f"/rewards/?cycle={cycle.year}&q=大明&page=2")
    link = f'/rewards/{cycle.year}/roster.pdf?q=%E5%A4%A7%E6%98%8E&amp;cycle={cycle.year}"'
    assert link in html
    response = client.get(f"/rewards/{cycle.year}/roster.pdf?q=大明&kind=commendation")
    text = "\n".join(pdf_pages(response.content))
    assert "篩選：大明、嘉獎" in text
    assert "王大明" in text and "李小華" not in text and "陳一二" not in text


def test_an_unfiltered_roster_download_is_the_whole_roster(client):
    cycle, _agencies, user = roster_world()
    client.force_login(user)
    for query in ("", f"?cycle={cycle.year}", "?sort=-name"):
        response = client.get(f"/rewards/{cycle.year}/roster.pdf{query}")
        text = "\n".join(pdf_pages(response.content))
        assert "篩選" not in text
        assert all(p in text for p in ("王大明", "李小華", "陳一二"))


def test_roster_filtered_query_count_same_at_1_and_5_agencies(client):
    counts = []
    for n, year in ((1, 116), (5, 117)):
        cycle, agencies, user = roster_world(n, year)
        for a in agencies:
            office_entry(cycle, user, person=f"員工{a.code}", agency=a, rule="CITY-14")
        client.force_login(user)
        url = f"/rewards/?cycle={year}&q=員&kind=commendation&source=office&sort=-agency"
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1]


# --- national award ---------------------------------------------------------------------


def award_world(n=3):
    cycle, _ = city_cycle(1)
    user = office()
    noms = [
        services.nomination_propose(cycle=cycle, agency=candidate(cycle), actor=user)
        for _ in range(n)
    ]
    return cycle, noms, user


def nominees(html):
    table = html.split('id="nominations"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<th scope="row">[^<]+<small>([^<]+)</small>', table)


def test_award_search_filters_and_sorts(client):
    cycle, noms, user = award_world()
    base = f"/rewards/award/?cycle={cycle.year}"
    codes = sorted(n.agency.code for n in noms)
    assert nominees(get(client, user, base)) == codes
    assert nominees(get(client, user, f"{base}&sort=-agency")) == codes[::-1]
    assert nominees(get(client, user, f"{base}&q={noms[1].agency.name}")) == [noms[1].agency.code]
    noms[0].status = "recommended"
    noms[0].save()
    assert nominees(get(client, user, f"{base}&status=recommended")) == [noms[0].agency.code]
    assert nominees(get(client, user, f"{base}&source=office")) == codes
    assert "沒有符合篩選條件的推薦機關" in get(client, user, f"{base}&source=self")
    assert "沒有符合篩選條件的推薦機關" in get(client, user, f"{base}&status=bogus")
    # In the pipeline's order (proposed, then recommended ...), not by the code.
    assert nominees(get(client, user, f"{base}&sort=status"))[-1] == noms[0].agency.code
    assert nominees(get(client, user, f"{base}&sort=-status"))[0] == noms[0].agency.code


def test_award_sort_by_subsidy_both_ways(client):
    cycle, noms, user = award_world(2)
    base = f"/rewards/award/?cycle={cycle.year}"
    both = nominees(get(client, user, f"{base}&sort=subsidy"))
    assert sorted(both) == sorted(n.agency.code for n in noms)
    assert nominees(get(client, user, f"{base}&sort=-subsidy")) in (both, both[::-1])


def test_award_forms_redirect_back_with_the_filters(client):
    cycle, noms, user = award_world(1)
    client.force_login(user)
    html = client.get(f"/rewards/award/?cycle={cycle.year}&q=測試&sort=-agency").content.decode()
    assert (
        f'name="list" value="q=%E6%B8%AC%E8%A9%A6&amp;cycle={cycle.year}&amp;sort=-agency"' in html
    )
    response = client.post(
        f"/rewards/award/{noms[0].pk}/consent/",
        {"consent": "on", "list": "q=測試&sort=-agency&evil=1"},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"/rewards/award/?q=%E6%B8%AC%E8%A9%A6&sort=-agency&cycle={cycle.year}"
    )
    response = client.post(f"/rewards/award/{noms[0].pk}/consent/", {"consent": "on"})
    assert response["Location"] == f"/rewards/award/?cycle={cycle.year}"


@pytest.mark.parametrize("sort", ["-subsidy", "status", "-agency"])
def test_award_filtered_query_count_same_at_1_and_5_nominations(client, sort):
    cycle, _ = city_cycle(1)
    user = office()
    client.force_login(user)
    url = f"/rewards/award/?cycle={cycle.year}&q=測試&status=proposed&source=office&sort={sort}"
    client.get(url)  # the session is cached from here on
    counts = []
    for i in range(5):
        services.nomination_propose(cycle=cycle, agency=candidate(cycle), actor=user)
        if i in (0, 4):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get(url).status_code == 200
            counts.append(len(ctx))
    assert counts[0] == counts[1]
