"""Submissions test helpers: a cycle whose deadlines lie ahead, users per role."""

from dataclasses import dataclass

import pytest

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from tests.factories import AgencyFactory, make_cycle, user_for

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


@dataclass
class World:
    cycle: object
    agency: Agency
    other: Agency
    officer: object
    head: object
    other_officer: object
    office: object


def build_world(
    *,
    year=116,
    program_code="hsinchu-105",
    kind=AgencyKind.FIRST_LEVEL,
    category="overall",
    group=None,
):
    agency = AgencyFactory(kind=kind, category=category)
    other = AgencyFactory(kind=kind, category=category)
    cycle = make_cycle(
        year=year,
        program_code=program_code,
        agencies=Agency.objects.filter(pk__in=[agency.pk, other.pk]),
    )
    return World(
        cycle=cycle,
        agency=agency,
        other=other,
        officer=user_for(Role.AGENCY_OFFICER, agency=agency),
        head=user_for(Role.AGENCY_HEAD, agency=agency),
        other_officer=user_for(Role.AGENCY_OFFICER, agency=other),
        office=user_for(Role.COORDINATOR),
    )


@pytest.fixture
def world(db):
    """Hsinchu rubric (26 leaves) in cycle 116, so the report is due in 2027."""
    return build_world()


@pytest.fixture
def city(db):
    """CITY program, cycle 116: plan due 2027-04-30, report due 2027-11-01."""
    return build_world(program_code="city-service-upgrade")
