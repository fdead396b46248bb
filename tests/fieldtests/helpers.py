"""Builders for field-test and reward tests."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind, PersonRole
from serviceeval.agencies.models import Agency, Person
from serviceeval.cycles.services import cycle_create
from serviceeval.programs.services import program_latest
from tests.factories import AgencyFactory, user_for

ALL_SW = {"sw_answer_speed", "sw_greeting", "sw_names_agency", "sw_transfer_polite", "sw_closing"}
ALL_BIZ = {
    "biz_answer_speed",
    "biz_names_unit_self",
    "biz_greeting",
    "biz_tone",
    "biz_closing",
    "biz_answer_correct",
}


def at(year=2027, month=3, day=5, hour=10):
    return timezone.make_aware(datetime(year, month, day, hour, 0))


def city_cycle(n=3, year=116):
    """A CITY cycle with `n` agencies, each with a standing roster."""
    agencies = [AgencyFactory(kind=AgencyKind.FIRST_LEVEL) for _ in range(n)]
    for a in agencies:
        for role, prefix in (
            (PersonRole.HEAD, "主管"),
            (PersonRole.SECTION_CHIEF, "科長"),
            (PersonRole.OFFICER, "承辦"),
            (PersonRole.EVALUATION_OFFICER, "研考"),
        ):
            Person.objects.create(agency=a, cycle=None, role=role, name=f"{prefix}{a.code}")
    cycle = cycle_create(
        program=program_latest("city-service-upgrade"),
        year=year,
        agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]),
    )
    return cycle, agencies


def a_tester(agency=None):
    return user_for(Role.TESTER, agency=agency)


def items_for(score_sw: bool = True, score_biz: bool = True, missing=()):
    met = {}
    if score_sw:
        met.update({c: c not in missing for c in ALL_SW})
    if score_biz:
        met.update({c: c not in missing for c in ALL_BIZ})
    return met


def call(cycle, agency, who, *, missing=(), parts=("switchboard", "business"), when=None, staff=""):
    from serviceeval.fieldtests.services import phone_test_record

    return phone_test_record(
        cycle=cycle,
        agency=agency,
        tester=who,
        called_at=when or at(cycle.year + 1911),
        tested_parts=list(parts),
        items=items_for(missing=missing),
        tested_staff=staff,
    )


def D(x):
    return Decimal(str(x))
