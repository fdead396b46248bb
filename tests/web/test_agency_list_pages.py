"""The agency list at national scale (SPEC §5 pages): AGENCY_PAGE_SIZE rows a page,
zh-Hant page controls that keep the filters."""

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.web import views
from tests.factories import AgencyFactory, GroupFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_agency_list_is_paginated_and_keeps_the_filters(client, monkeypatch):
    monkeypatch.setattr(views, "AGENCY_PAGE_SIZE", 2)
    group = GroupFactory(code="9")
    agencies = [AgencyFactory(group=group) for _ in range(3)]
    AgencyFactory()  # another group: filtered out
    client.force_login(UserFactory(role=Role.COORDINATOR))
    first = client.get("/agencies/?group=9").content.decode()
    assert agencies[0].name in first and agencies[2].name not in first
    assert 'href="?group=9&amp;page=2"' in first and "下一頁" in first
    second = client.get("/agencies/?group=9&page=2").content.decode()
    assert agencies[2].name in second and agencies[0].name not in second
    assert "上一頁" in second
    # out of range: the last page
    assert agencies[2].name in client.get("/agencies/?group=9&page=99").content.decode()


def test_agency_list_without_filters_pages_every_agency(client, monkeypatch):
    monkeypatch.setattr(views, "AGENCY_PAGE_SIZE", 2)
    for _ in range(3):
        AgencyFactory()
    client.force_login(UserFactory(role=Role.COORDINATOR))
    html = client.get("/agencies/").content.decode()
    assert 'href="?page=2"' in html
    assert sum(a.name in html for a in Agency.objects.all()) == 2
