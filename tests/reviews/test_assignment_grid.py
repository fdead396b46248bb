"""Issue 12 item 5: the office's assignment grid (agencies × reviewers of a cycle):
load and cap per column, conflicts marked, reviewer count per row; assign and
unassign from it (unassign asks first); the automatic assignment previewed in the
same grid, writing nothing, and saved exactly as previewed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency, Group
from serviceeval.core import memo
from serviceeval.core.models import AuditEvent
from serviceeval.notifications.models import Notification
from serviceeval.reviews.models import Assignment, Conflict, PanelRole
from serviceeval.reviews.selectors import grid as grid_selectors
from serviceeval.reviews.services import (
    assign,
    auto_assign_proposal,
    conflict_declare,
    panel_add,
)
from tests.factories import AgencyFactory, make_cycle, post_confirmed, user_for

from .helpers import setup_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_memo():
    # Test databases roll back: a revision number can come back with other data.
    memo.clear()
    yield
    memo.clear()


def url(cycle, query=""):
    base = f"/reviews/cycles/{cycle.year}/assignments/grid/"
    return f"{base}?{query}" if query else base


def world():
    """Three agencies, three reviewers (the first capped at 2), one assignment, one
    declared conflict."""
    cycle, (a, b, c), (r0, r1, r2), office = setup_cycle(3, 3, assign_all=False)
    panel_add(cycle=cycle, user=r0, role=PanelRole.CONVENER, actor=office, max_assignments=2)
    assign(cycle=cycle, reviewer=r0, agency=a, actor=office)
    conflict_declare(cycle=cycle, reviewer=r1, agency=b, reason="配偶任職於該機關", actor=office)
    return cycle, (a, b, c), (r0, r1, r2), office


def test_grid_shows_load_and_cap_conflicts_and_counts(client):
    cycle, (a, b, c), (r0, r1, r2), office = world()
    client.force_login(office)
    response = client.get(url(cycle))
    assert response.status_code == 200
    html = response.content.decode()
    grid = response.context["body"]["grid"]
    cols = {col.user_id: col for col in grid.columns}
    assert (cols[r0.pk].load, cols[r0.pk].cap) == (1, 2)
    assert (cols[r1.pk].load, cols[r1.pk].cap) == (0, None)
    rows = {row.agency.pk: row for row in grid.rows}
    assert [rows[x.pk].count for x in (a, b, c)] == [1, 0, 0]
    states = {
        (row.agency.pk, col.user_id): cell.state for row in grid.rows for col, cell in row.cells
    }
    assert states[(a.pk, r0.pk)] == "assigned"
    assert states[(b.pk, r1.pk)] == "conflict"
    assert states[(c.pk, r2.pk)] == "open"
    # The header says load / cap, the row count against the need (3 by default).
    assert ">1/2</span>" in html and ">0/—</span>" in html
    assert "1/3" in html
    # The conflict is marked with its reason and has no assign button.
    assert 'title="配偶任職於該機關">迴避</span>' in html
    assert f'value="{r1.pk}:{b.pk}"' not in html
    assert f'value="{r2.pk}:{c.pk}"' in html
    # Unassign names the assignment; the labels name reviewer and agency.
    assignment = Assignment.objects.get(cycle=cycle, reviewer=r0, agency=a)
    assert f'name="unassign" value="{assignment.pk}"' in html
    assert f'aria-labelledby="glu c{r0.pk} a{a.pk}"' in html
    # One form holds the CSRF token; the cached table's buttons name it.
    table = html.split('<div class="grid-box"')[1].split("</table>")[0]
    assert "csrfmiddlewaretoken" not in table
    assert 'form="ga"' in table
    # The panel page links to it.
    assert url(cycle) in client.get(f"/reviews/cycles/{cycle.year}/panel/").content.decode()


def test_automatic_conflict_not_yet_recorded_is_marked(client):
    """A reviewer of the agency itself is conflicted (HSC-3) before anything syncs."""
    cycle, (a, _b, _c), _reviewers, office = world()
    insider = user_for(Role.REVIEWER, agency=a)
    panel_add(cycle=cycle, user=insider, role=PanelRole.MEMBER, actor=office)
    Conflict.objects.filter(reviewer=insider).delete()  # as if recorded before it existed
    client.force_login(office)
    grid = client.get(url(cycle)).context["body"]["grid"]
    cells = {(row.agency.pk, col.user_id): cell for row in grid.rows for col, cell in row.cells}
    assert cells[(a.pk, insider.pk)].state == "conflict"


def test_filters_and_pages_are_kept_in_the_url(client, monkeypatch):
    monkeypatch.setattr(grid_selectors, "GRID_AGENCIES", 2)
    monkeypatch.setattr(grid_selectors, "GRID_REVIEWERS", 2)
    cycle, (a, b, c), (r0, r1, r2), office = world()
    client.force_login(office)
    first = client.get(url(cycle)).context["body"]["grid"]
    assert [row.agency.pk for row in first.rows] == [a.pk, b.pk]
    assert len(first.columns) == 2 and first.panel_size == 3
    html = client.get(url(cycle, "need=2&page=2")).content.decode()
    assert "?need=2&amp;page=2&amp;rpage=2" in html  # next reviewers: filters and page kept
    assert "?need=2&amp;page=1" in html  # the previous agencies keep the filters
    # Search by code or name; only agencies short of reviewers.
    found = client.get(url(cycle, f"q={b.code}")).context["body"]["grid"]
    assert [row.agency.pk for row in found.rows] == [b.pk]
    short = client.get(url(cycle, "short=1&need=1")).context["body"]["grid"]
    assert [row.agency.pk for row in short.rows] == [b.pk, c.pk]
    other = Group.objects.create(code="9", name="第九組")
    Agency.objects.filter(pk=c.pk).update(group=other)
    cycle.participants.filter(agency=c).update(group=other)
    by_group = client.get(url(cycle, "group=9")).context["body"]["grid"]
    assert [row.agency.pk for row in by_group.rows] == [c.pk]
    none = client.get(url(cycle, "category=project")).content.decode()
    assert "沒有符合篩選條件的機關" in none


def test_bad_parameters_answer_the_grid(client):
    cycle, _agencies, _reviewers, office = world()
    client.force_login(office)
    for query in ("need=abc&cap=-1&page=x&rpage=99", "round=nope&category=zz", "need=99999999"):
        assert client.get(url(cycle, query)).status_code == 200
    for data in ({"assign": "x:y"}, {"assign": "1"}, {"unassign": "abc"}, {}):
        assert client.post(url(cycle), data).status_code == 404


def test_assign_from_the_grid_returns_to_the_same_filtered_page(client):
    cycle, (a, b, c), (r0, r1, r2), office = world()
    client.force_login(office)
    query = "q=%E6%B8%AC%E8%A9%A6&short=1&need=2&page=1&rpage=1"
    response = client.post(url(cycle, query), {"assign": f"{r2.pk}:{c.pk}"})
    assert response.status_code == 302
    assert response.url == url(cycle, query)
    assert Assignment.objects.filter(cycle=cycle, reviewer=r2, agency=c, round="first").exists()
    page = client.get(response.url).content.decode()
    assert "已指派" in page  # the message names who and which agency
    # A conflicted pair and a reviewer at the cap are refused by the service, said.
    refused = client.post(url(cycle), {"assign": f"{r1.pk}:{b.pk}"}, follow=True)
    assert not Assignment.objects.filter(reviewer=r1, agency=b).exists()
    assert "利益" in refused.content.decode() or "迴避" in refused.content.decode()
    # Another cycle's agency is not a participant: 404.
    outsider = AgencyFactory()
    assert client.post(url(cycle), {"assign": f"{r2.pk}:{outsider.pk}"}).status_code == 404


def test_unassign_from_the_grid_asks_first(client):
    cycle, (a, _b, _c), (r0, _r1, _r2), office = world()
    client.force_login(office)
    assignment = Assignment.objects.get(cycle=cycle, reviewer=r0, agency=a)
    query = "group=1&page=1"
    asked = client.post(url(cycle, query), {"unassign": assignment.pk})
    assert asked.status_code == 200
    text = asked.content.decode()
    assert 'name="confirmed" value="1"' in text
    assert f'href="{url(cycle, query).replace("&", "&amp;")}"' in text  # Cancel: same page
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    done = post_confirmed(client, url(cycle, query), {"unassign": assignment.pk})
    assert done.status_code == 302 and done.url == url(cycle, query)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def _counts():
    return (
        Assignment.objects.count(),
        Conflict.objects.count(),
        AuditEvent.objects.count(),
        Notification.objects.count(),
    )


def test_preview_writes_nothing_and_marks_the_proposal(client):
    cycle, (a, b, c), (r0, r1, r2), office = world()
    insider = user_for(Role.REVIEWER, agency=c)
    panel_add(cycle=cycle, user=insider, role=PanelRole.MEMBER, actor=office)
    Conflict.objects.filter(reviewer=insider).delete()  # the automatic one, not yet recorded
    client.force_login(office)
    before = _counts()
    response = client.get(url(cycle, "preview=1&need=2"))
    assert response.status_code == 200
    assert _counts() == before  # not even the automatic conflict
    proposal = response.context["proposal"]
    assert proposal.created > 0
    assert (c.pk, insider.pk) not in proposal.pairs  # counted as conflicted
    grid = response.context["body"]["grid"]
    proposed = {
        (row.agency.pk, col.user_id)
        for row in grid.rows
        for col, cell in row.cells
        if cell.state == "proposed"
    }
    assert proposed == set(proposal.pairs)
    html = response.content.decode()
    assert html.count('<span class="g-proposed">擬</span>') == len(proposal.pairs) + 1  # + legend
    assert 'name="assign"' not in html and 'name="unassign"' not in html  # read-only
    assert 'name="auto_confirm"' in html and proposal.digest in html
    # The agency rows say the count after the proposal.
    assert "1→2/2" in html


def test_confirm_saves_exactly_the_previewed_proposal(client):
    cycle, _agencies, _reviewers, office = world()
    client.force_login(office)
    query = "preview=1&need=2&cap=5"
    proposal = client.get(url(cycle, query)).context["proposal"]
    response = client.post(url(cycle, query), {"auto_confirm": "1", "digest": proposal.digest})
    assert response.status_code == 302
    assert response.url == url(cycle, "need=2")  # the grid, same filters, no preview
    made = set(
        Assignment.objects.filter(cycle=cycle, automatic=True).values_list(
            "agency_id", "reviewer_id"
        )
    )
    assert made == set(proposal.pairs)


def test_confirm_after_a_change_saves_nothing_and_shows_the_new_preview(client):
    cycle, (a, b, c), (r0, r1, r2), office = world()
    client.force_login(office)
    query = "preview=1&need=2"
    proposal = client.get(url(cycle, query)).context["proposal"]
    assign(cycle=cycle, reviewer=r2, agency=c, actor=office)  # somebody else, meanwhile
    before = Assignment.objects.count()
    response = client.post(url(cycle, query), {"auto_confirm": "1", "digest": proposal.digest})
    assert response.status_code == 302
    assert response.url == url(cycle, "need=2&preview=1")
    assert Assignment.objects.count() == before
    page = client.get(response.url)
    assert "未儲存任何指派" in page.content.decode()
    assert page.context["proposal"].digest != proposal.digest
    # A made-up digest is refused the same way.
    client.post(url(cycle, query), {"auto_confirm": "1", "digest": "0" * 64})
    assert Assignment.objects.count() == before


def test_preview_is_the_proposal_auto_assign_makes():
    cycle, _agencies, _reviewers, office = world()
    proposal = auto_assign_proposal(cycle=cycle, per_agency=3)
    from serviceeval.reviews.services import auto_assign

    report = auto_assign(cycle=cycle, actor=office, per_agency=3, expected_digest=proposal.digest)
    assert report.created == proposal.created
    assert report.short == list(proposal.short)


def test_a_frozen_cycle_shows_the_grid_without_buttons(client):
    cycle, _agencies, _reviewers, office = world()
    # Published (frozen): set directly, the scores do not matter here.
    type(cycle).objects.filter(pk=cycle.pk).update(results_published_at=timezone.now())
    client.force_login(office)
    html = client.get(url(cycle)).content.decode()
    assert 'name="assign"' not in html and 'name="unassign"' not in html
    assert 'name="preview"' not in html


@pytest.mark.parametrize(
    "role", [Role.REVIEWER, Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.TESTER]
)
def test_only_the_office_opens_the_grid(client, role):
    cycle, (a, _b, c), (r0, _r1, r2), _office = world()
    client.force_login(user_for(role))
    assert client.get(url(cycle)).status_code == 403
    assert client.get(url(cycle, "preview=1")).status_code == 403
    assert client.post(url(cycle), {"assign": f"{r2.pk}:{c.pk}"}).status_code == 403
    assert not Assignment.objects.filter(reviewer=r2, agency=c).exists()


def test_anonymous_is_sent_to_sign_in(client):
    cycle, *_ = world()
    response = client.get(url(cycle))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_unknown_cycle_answers_404(client):
    cycle, _agencies, _reviewers, office = world()
    client.force_login(office)
    assert client.get("/reviews/cycles/199/assignments/grid/").status_code == 404


# --- SPEC §5: queries do not grow with the data -----------------------------------------


def grid_world(n, year):
    agencies = [AgencyFactory() for _ in range(n)]
    cycle = make_cycle(year=year, agencies=Agency.objects.filter(pk__in=[x.pk for x in agencies]))
    office = user_for(Role.COORDINATOR)
    reviewers = [user_for(Role.REVIEWER) for _ in range(n + 1)]
    for i, r in enumerate(reviewers):
        panel_add(cycle=cycle, user=r, role=PanelRole.MEMBER, actor=office, max_assignments=n)
    for i, x in enumerate(agencies):
        assign(cycle=cycle, reviewer=reviewers[i], agency=x, actor=office)
    conflict_declare(
        cycle=cycle, reviewer=reviewers[-1], agency=agencies[0], reason="親屬", actor=office
    )
    return cycle, office


def _queries(client, user, target, cold):
    client.force_login(user)
    client.get(target)  # warm the program spec and the session
    if cold:
        memo.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(target)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize("cold", [True, False], ids=["cold", "warm"])
@pytest.mark.parametrize("query", ["", "preview=1&need=2", "short=1&q=A&group=1"])
def test_grid_queries_do_not_grow_with_agencies(client, query, cold):
    counts = []
    for n, year in ((1, 105), (5, 106)):
        cycle, office = grid_world(n, year)
        counts.append(_queries(client, office, url(cycle, query), cold))
    assert counts[0] == counts[1], counts
