"""Issue 11 item 4: the office names an agency's reward recipients per cycle on the
agency page; a cycle whose scoring started keeps its people."""

import pytest
from django.urls import reverse
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency, Person
from serviceeval.agencies.selectors import roster_for
from serviceeval.core.models import AuditEvent
from tests.factories import AgencyFactory, make_cycle, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(client):
    agency = AgencyFactory()
    Person.objects.create(agency=agency, cycle=None, role="head", name="王首長")
    cycle = make_cycle(agencies=Agency.objects.filter(pk=agency.pk))
    client.force_login(user_for(Role.COORDINATOR))
    return agency, cycle


def names(agency, cycle=None):
    return {(p.role, p.name) for p in roster_for(agency, cycle)}


def test_the_office_names_a_cycles_people(client, world):
    agency, cycle = world
    page = client.get(reverse("agency_detail", args=[agency.pk]), {"people_cycle": cycle.year})
    assert "王首長" in page.content.decode()
    response = client.post(
        reverse("agency_people", args=[agency.pk]),
        {
            "cycle": str(cycle.year),
            "head": "李首長",
            "section_chief": "陳科長",
            "officer": "林一、林二",
        },
    )
    assert response.status_code == 302
    assert names(agency, cycle) == {
        ("head", "李首長"),
        ("section_chief", "陳科長"),
        ("officer", "林一"),
        ("officer", "林二"),
    }
    assert names(agency) == {("head", "王首長")}  # the standing roster stays
    assert AuditEvent.objects.filter(action="agency_people_changed").count() == 1


def test_the_standing_roster(client, world):
    agency, _cycle = world
    client.post(reverse("agency_people", args=[agency.pk]), {"cycle": "standing", "head": "趙首長"})
    assert names(agency) == {("head", "趙首長")}


def test_a_cycle_that_started_scoring_keeps_its_people(client, world):
    agency, cycle = world
    cycle.scoring_started_at = timezone.now()
    cycle.save()
    client.post(
        reverse("agency_people", args=[agency.pk]), {"cycle": str(cycle.year), "head": "新人"}
    )
    assert ("head", "新人") not in names(agency, cycle)
    assert not AuditEvent.objects.filter(action="agency_people_changed").exists()


def test_nothing_changed_is_not_audited(client, world):
    agency, _cycle = world
    client.post(reverse("agency_people", args=[agency.pk]), {"cycle": "standing", "head": "王首長"})
    assert not AuditEvent.objects.filter(action="agency_people_changed").exists()


def test_a_cycle_the_agency_is_not_in_is_refused(client, world):
    agency, _cycle = world
    client.post(reverse("agency_people", args=[agency.pk]), {"cycle": "999", "head": "X"})
    assert names(agency) == {("head", "王首長")}


@pytest.mark.parametrize("role", [Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER])
def test_only_the_office(client, world, role):
    agency, _cycle = world
    client.force_login(user_for(role, agency=agency if role != Role.REVIEWER else None))
    response = client.post(
        reverse("agency_people", args=[agency.pk]), {"cycle": "standing", "head": "X"}
    )
    assert response.status_code == 403
    assert names(agency) == {("head", "王首長")}
    if role != Role.REVIEWER:
        page = client.get(reverse("agency_detail", args=[agency.pk])).content.decode()
        assert 'name="people_cycle"' not in page


def test_a_started_cycle_shows_its_people_without_a_form(client, world):
    agency, cycle = world
    cycle.scoring_started_at = timezone.now()
    cycle.save()
    page = client.get(reverse("agency_detail", args=[agency.pk]), {"people_cycle": cycle.year})
    html = page.content.decode()
    assert "王首長" in html and 'name="head"' not in html
