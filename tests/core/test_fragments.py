"""core.fragments: rendered parts of the busy pages kept per data revision (SPEC §5
pages). An audited write shows on the next request; the key separates what differs
(agency, role, language), and the CSRF token is never inside a fragment."""

import re

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory

from serviceeval.accounts.enums import Role
from serviceeval.core import fragments, memo
from serviceeval.core.audit import audit_record
from tests.factories import AgencyFactory, UserFactory, user_for
from tests.reviews.helpers import score_all, setup_cycle

pytestmark = pytest.mark.django_db


def _render(template, request, **ctx):
    return Template("{% load fragments %}" + template).render(Context({"request": request, **ctx}))


def test_a_fragment_is_rendered_once_per_revision_and_again_after_an_audited_write():
    agency = AgencyFactory()
    calls = []

    def count():
        calls.append(1)
        return len(calls)

    tpl = '{% fragment "t" scope %}{{ count }}{% endfragment %}'
    assert _render(tpl, RequestFactory().get("/"), scope=1, count=count) == "1"
    assert _render(tpl, RequestFactory().get("/"), scope=1, count=count) == "1"
    assert _render(tpl, RequestFactory().get("/"), scope=2, count=count) == "2"
    audit_record(actor=None, action="test", obj=agency)
    assert _render(tpl, RequestFactory().get("/"), scope=1, count=count) == "3"


def test_one_request_reads_the_revision_once_and_the_memo_uses_it(
    django_assert_num_queries,
):
    seen = []

    def view(request):
        seen.extend([memo.revision(), memo.revision(), fragments.generation_parts()[1]])
        return HttpResponse()

    with django_assert_num_queries(1):
        memo.RevisionMiddleware(view)(RequestFactory().get("/"))
    assert len(set(seen)) == 1
    memo._unpin()


def test_an_audited_write_during_the_request_moves_its_revision():
    agency = AgencyFactory()
    seen = {}

    def view(request):
        seen["before"] = memo.revision()
        seen["event"] = audit_record(actor=None, action="test", obj=agency).pk
        seen["after"] = memo.revision()
        return HttpResponse()

    memo.RevisionMiddleware(view)(RequestFactory().get("/"))
    assert seen["after"] == seen["event"] > seen["before"]
    memo._unpin()


def test_a_fragment_is_djangos_cache_node_in_the_fragments_cache():
    from django.core.cache import caches
    from django.templatetags.cache import CacheNode

    tpl = Template('{% load fragments %}{% fragment "node" 1 %}x{% endfragment %}')
    assert isinstance(tpl.nodelist[-1], CacheNode)
    assert tpl.render(Context({})) == "x"
    assert caches["fragments"].get(fragments.key("node", [1])) == "x"


def test_an_audited_score_change_shows_on_the_next_results_page(client):
    cycle, agencies, (reviewer,), office = setup_cycle(1, 1)
    score_all(cycle, [(agencies[0], reviewer, "0.85")])
    client.force_login(office)
    url = f"/reviews/cycles/{cycle.year}/results/"
    first = client.get(url).content.decode()
    assert client.get(url).content.decode().count("甲等") == first.count("甲等") == 2
    score_all(cycle, [(agencies[0], reviewer, "0.5")])  # the import is audited
    assert client.get(url).content.decode().count("甲等") == 0


def test_two_agencies_never_see_each_others_agency_list(client):
    mine, theirs = AgencyFactory(name="本機關甲"), AgencyFactory(name="他機關乙")
    officer = user_for(Role.AGENCY_OFFICER, agency=mine)
    other = user_for(Role.AGENCY_OFFICER, agency=theirs)
    office = UserFactory(role=Role.COORDINATOR)
    client.force_login(officer)
    page = client.get("/agencies/").content.decode()
    assert "本機關甲" in page and "他機關乙" not in page
    client.force_login(other)
    page = client.get("/agencies/").content.decode()
    assert "他機關乙" in page and "本機關甲" not in page
    client.force_login(office)
    page = client.get("/agencies/").content.decode()
    assert "他機關乙" in page and "本機關甲" in page


def test_the_language_is_part_of_the_key(client):
    AgencyFactory()
    client.force_login(UserFactory(role=Role.COORDINATOR))
    zh = client.get("/agencies/").content.decode()
    client.cookies["django_language"] = "en"
    en = client.get("/agencies/").content.decode()
    assert 'class="sort">Code<' in en and 'class="sort">Code<' not in zh


def test_the_csrf_token_is_fresh_on_every_cached_page(client):
    cycle, agencies, (reviewer,), office = setup_cycle(1, 1)
    client.force_login(reviewer)
    tokens = set()
    for _ in range(2):
        page = client.get("/reviews/").content.decode()
        tokens |= set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    assert len(tokens) >= 2  # masked anew each request: none came from the cache


def test_dashboard_panels_show_an_audited_write_at_once_and_only_to_their_agency(client):
    from datetime import date

    from serviceeval.reviews.services import improvement_create

    cycle, (mine, theirs), _reviewers, office = setup_cycle(2, 1)
    officer = user_for(Role.AGENCY_OFFICER, agency=mine)
    other = user_for(Role.AGENCY_OFFICER, agency=theirs)
    for user in (office, officer, other):
        client.force_login(user)
        assert "限期改善甲" not in client.get("/dashboard/").content.decode()
    improvement_create(
        cycle=cycle,
        agency=mine,
        text="限期改善甲",
        deadline=date(2016, 1, 1),
        actor=office,
        today=date(2015, 12, 1),
    )
    for user, sees in ((office, True), (officer, True), (other, False)):
        client.force_login(user)
        assert ("限期改善甲" in client.get("/dashboard/").content.decode()) is sees
