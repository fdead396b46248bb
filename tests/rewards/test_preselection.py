"""CITY-10 / CITY-11: preselection limits as program data, first-level agencies short
by the preselection deadline flagged, first-level agencies entering the city's review
in their own right, training and reuse of award material recorded."""

from datetime import date, timedelta

import pytest
import yaml
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.agencies.enums import AgencyKind
from serviceeval.agencies.models import Agency
from serviceeval.engine.program import Preselection, ProgramInvalid, parse_program
from serviceeval.rewards import selectors, services
from serviceeval.rewards.models import MaterialReuse, Nomination
from tests.factories import AgencyFactory, make_cycle, user_for

pytestmark = pytest.mark.django_db


def city_text(**changes):
    from pathlib import Path

    data = yaml.safe_load(Path("programs/city-service-upgrade.yaml").read_text())
    data.update(changes)
    return data


def test_the_limits_are_program_data_city_10():
    assert parse_program(city_text()).preselection == Preselection(1, 2)
    spec = parse_program(city_text(preselection={"min": 2, "max": 3}))
    assert (spec.preselection.min, spec.preselection.max) == (2, 3)
    with pytest.raises(ProgramInvalid, match="preselection"):
        parse_program(city_text(preselection={"min": 3, "max": 1}))


def world():
    parent = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)
    kids = [AgencyFactory(kind=AgencyKind.SUBORDINATE, parent=parent) for _ in range(3)]
    other = AgencyFactory(kind=AgencyKind.FIRST_LEVEL)  # no subordinates: nothing to preselect
    cycle = make_cycle(
        year=116,
        program_code="city-service-upgrade",
        agencies=Agency.objects.filter(pk__in=[parent.pk, other.pk, *[k.pk for k in kids]]),
    )
    return cycle, parent, kids, other


def past_deadline(cycle):
    cycle.milestones.filter(code="preselection_due").update(at=timezone.now() - timedelta(days=1))


def test_a_first_level_agency_short_by_the_deadline_is_flagged_city_10(client):
    cycle, parent, kids, other = world()
    [row] = selectors.preselections(cycle)
    assert (row.agency, row.proposed, row.minimum, row.maximum) == (parent, 0, 1, 2)
    assert row.short and not row.overdue  # the deadline (30 November 2027) is ahead
    past_deadline(cycle)
    [row] = selectors.preselections(cycle)
    assert row.overdue
    office = user_for(Role.COORDINATOR)
    client.force_login(office)
    html = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert "逾期未達推薦下限" in html and parent.name in html
    officer = user_for(Role.AGENCY_OFFICER, agency=parent)
    client.force_login(officer)
    dash = client.get("/dashboard/").content.decode()
    assert "貴機關已推薦 0 個所屬機關（應推薦 1 至 2 個，CITY-10）" in dash
    assert "逾期未達推薦下限" in dash
    services.nomination_propose(cycle=cycle, agency=kids[0], actor=officer)
    [row] = selectors.preselections(cycle)
    assert (row.proposed, row.short, row.overdue) == (1, False, False)


def test_first_level_agencies_enter_the_citys_review_in_their_own_right_city_10():
    cycle, parent, kids, other = world()
    office = user_for(Role.COORDINATOR)
    created = services.nominations_enter_first_level(cycle=cycle, actor=office)
    assert {n.agency for n in created} == {parent, other}
    assert {n.source for n in created} == {"self"}
    assert services.nominations_enter_first_level(cycle=cycle, actor=office) == []
    # Entering in its own right is not one of its subordinates' proposals.
    officer = user_for(Role.AGENCY_OFFICER, agency=parent)
    services.nomination_propose(cycle=cycle, agency=kids[0], actor=officer)
    services.nomination_propose(cycle=cycle, agency=kids[1], actor=officer)
    assert Nomination.objects.filter(cycle=cycle).count() == 4


def test_training_and_reuse_of_material_are_recorded_for_a_recommended_agency_city_11(client):
    cycle, parent, kids, other = world()
    office = user_for(Role.COORDINATOR)
    [n, _] = services.nominations_enter_first_level(cycle=cycle, actor=office)
    client.force_login(office)
    url = f"/rewards/award/{n.pk}/"
    client.post(
        url + "attendance/", {"session": "參獎輔導課程", "on": "2027-12-01", "attended": "on"}
    )
    response = client.post(url + "reuse/", {"what": "標竿學習觀摩會", "on": "2028-01-10"})
    assert response.status_code == 302
    reuse = MaterialReuse.objects.get()
    assert (reuse.what, reuse.on, reuse.recorded_by) == (
        "標竿學習觀摩會",
        date(2028, 1, 10),
        office,
    )
    html = client.get(f"/rewards/award/?cycle={cycle.year}").content.decode()
    assert "參獎輔導課程" in html and "標竿學習觀摩會" in html
    bad = client.post(url + "reuse/", {"what": "", "on": "2028-01-10"}, follow=True)
    assert "請填寫資料再利用於何處及日期。" in bad.content.decode()
    assert MaterialReuse.objects.count() == 1
    client.force_login(user_for(Role.AGENCY_OFFICER, agency=parent))
    assert client.post(url + "reuse/", {"what": "x", "on": "2028-01-10"}).status_code == 403
