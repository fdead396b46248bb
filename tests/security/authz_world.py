"""A first-level agency with a subordinate (CITY-6), an assigned reviewer, an
improvement item and evidence in each state: the world of the issue 9 findings
(F7, F11), shared by tests/security and the permission matrix."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import assign, improvement_create, panel_add
from serviceeval.submissions import services as submissions
from serviceeval.submissions.enums import Kind, State
from tests.factories import AgencyFactory, make_cycle, user_for
from tests.submissions.conftest import PDF
from tests.submissions.helpers import complete_input, save

# States a plan or report passes through, and the services that reach each.
STATES = (State.DRAFT, State.APPROVED, State.RETURNED, State.SUBMITTED, State.ACCEPTED)
DRAFT_STATES = (State.DRAFT, State.APPROVED, State.RETURNED)


@dataclass
class World:
    cycle: object
    parent: Agency
    child: Agency
    other: Agency
    office: object
    reviewer: object  # on the panel, assigned to parent and child
    unassigned: object  # on the panel, assigned to neither
    tester: object
    users: dict  # "parent_officer", "child_head", ... → user
    item: object  # an open improvement item of the subordinate

    def officer(self, agency):
        return self.users["child_officer" if agency == self.child else "parent_officer"]

    def head(self, agency):
        return self.users["child_head" if agency == self.child else "parent_head"]


def build_world() -> World:
    """CITY program, cycle 116 (deadlines in 2027, so nothing is locked)."""
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    child = AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=parent)
    other = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    cycle = make_cycle(
        year=116,
        program_code="city-service-upgrade",
        agencies=Agency.objects.filter(pk__in=[parent.pk, child.pk, other.pk]),
    )
    office = user_for(Role.COORDINATOR)
    reviewer = user_for(Role.REVIEWER)
    unassigned = user_for(Role.REVIEWER)
    panel_add(cycle=cycle, user=reviewer, role=PanelRole.CONVENER, actor=office)
    panel_add(cycle=cycle, user=unassigned, role=PanelRole.MEMBER, actor=office)
    for agency in (parent, child):
        assign(cycle=cycle, reviewer=reviewer, agency=agency, actor=office)
    roles = {"officer": Role.AGENCY_OFFICER, "head": Role.AGENCY_HEAD}
    users = {
        f"{name}_{role}": user_for(roles[role], agency=agency)
        for name, agency in (("parent", parent), ("child", child), ("other", other))
        for role in roles
    }
    item = improvement_create(
        cycle=cycle, agency=child, text="請改善電話禮貌", deadline=date(2099, 1, 1), actor=office
    )
    tester = user_for(Role.TESTER)
    return World(cycle, parent, child, other, office, reviewer, unassigned, tester, users, item)


def evidence_in(w: World, *, kind: str, state: str, url: bool = False):
    """A file (or URL) evidence of the agency's plan (the parent's: a subordinate
    files none, CITY-2) or report (the subordinate's), the submission in `state`."""
    agency = w.parent if kind == Kind.PLAN else w.child
    sub = submissions.submission_get_or_create(
        cycle=w.cycle, agency=agency, kind=kind, category=agency.category
    )
    data = complete_input(sub)
    if url:
        data.urls = [("", "https://example.gov.tw/草稿", "草稿網址")]
    else:
        data.files = [("", SimpleUploadedFile("草稿佐證.pdf", PDF))]
    save(sub, w.officer(agency), data)
    if state != State.DRAFT:
        submissions.submission_approve(submission=sub, user=w.head(agency))
    if state in (State.SUBMITTED, State.ACCEPTED, State.RETURNED):
        submissions.submission_submit(submission=sub, user=w.officer(agency))
    if state == State.ACCEPTED:
        submissions.submission_accept(submission=sub, user=w.office)
    if state == State.RETURNED:
        submissions.submission_return(submission=sub, user=w.office, reason="請補充")
    sub.refresh_from_db()
    assert sub.state == state
    return sub.evidence.get()
