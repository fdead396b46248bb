"""Field-test predicates: who sees which records, who deletes, who may be named
tester in an import (CITY-8, CITY-9); the visit page asks `{% has_perm %}`."""

from types import SimpleNamespace

import pytest
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.fieldtests import rules
from serviceeval.fieldtests.selectors import visits_visible_to
from tests.factories import user_for
from tests.fieldtests.helpers import a_tester, city_cycle
from tests.fieldtests.test_views import make_visit

pytestmark = pytest.mark.django_db


def test_records_seen_by_office_and_own_tester_and_deleted_by_office_until_published(client):
    cycle, (agency, *_rest) = city_cycle()
    tester, other = a_tester(), a_tester()
    visit = make_visit(cycle, agency, tester, photo=False)
    office = user_for(Role.COORDINATOR)
    assert set(visits_visible_to(office)) == {visit} == set(visits_visible_to(tester))
    assert set(visits_visible_to(other)) == set()
    assert rules.can_delete_record(office, visit) and not rules.can_delete_record(tester, visit)
    url = f"/fieldtests/visit/{visit.pk}/"
    client.force_login(office)
    assert f"/fieldtests/visit/{visit.pk}/delete/" in client.get(url).content.decode()
    client.force_login(tester)
    assert f"/fieldtests/visit/{visit.pk}/delete/" not in client.get(url).content.decode()
    cycle.results_published_at = timezone.now()
    cycle.save(update_fields=["results_published_at"])
    visit.refresh_from_db()
    assert not rules.can_delete_record(office, visit)
    client.force_login(office)
    assert f"/fieldtests/visit/{visit.pk}/delete/" not in client.get(url).content.decode()


def test_named_tester_is_a_tester_or_the_office():
    assert rules.may_be_named_tester(SimpleNamespace(role=Role.TESTER))
    assert rules.may_be_named_tester(SimpleNamespace(role=Role.COORDINATOR))
    assert not rules.may_be_named_tester(SimpleNamespace(role=Role.AGENCY_OFFICER))
