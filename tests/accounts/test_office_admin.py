"""The program office keeps reference data in the Django admin (issue 2 item 5):
agencies, groups, people, cycles, milestones and accounts; its rights follow the
role (django-rules), edits go to the audit trail, and rules with their own flows
(CITY-1 category moves, CITY-16 program versions) cannot be bypassed there."""

import pytest
from django.urls import reverse

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency
from serviceeval.core.models import AuditEvent
from tests.factories import AgencyFactory, UserFactory, user_for

pytestmark = pytest.mark.django_db

OFFICE_PAGES = [
    "admin:index",
    "admin:agencies_agency_changelist",
    "admin:agencies_agency_add",
    "admin:agencies_group_changelist",
    "admin:agencies_person_changelist",
    "admin:agencies_categorymove_changelist",
    "admin:cycles_cycle_changelist",
    "admin:cycles_participant_changelist",
    "admin:programs_program_changelist",
    "admin:accounts_user_changelist",
    "admin:accounts_user_add",
]


@pytest.fixture
def office(client, db):
    user = UserFactory(role=Role.COORDINATOR)
    client.force_login(user)
    return user


def test_the_office_opens_every_reference_data_page_in_the_admin(client, office):
    assert office.is_staff and not office.is_superuser
    for name in OFFICE_PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    index = client.get(reverse("admin:index")).content.decode()
    assert "為民服務考核系統管理" in index
    for label in ("agencies/agency/", "cycles/cycle/", "accounts/user/"):
        assert label in index


@pytest.mark.parametrize(
    "role", [Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER, Role.TESTER]
)
def test_other_roles_are_not_staff_and_are_sent_to_the_admin_login(client, role):
    user = user_for(role)
    assert not user.is_staff
    client.force_login(user)
    response = client.get(reverse("admin:agencies_agency_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_staff_status_follows_the_role():
    user = user_for(Role.REVIEWER)
    user.role = Role.COORDINATOR
    user.save(update_fields=["role"])
    user.refresh_from_db()
    assert user.is_staff
    user.role = Role.TESTER
    user.save()
    user.refresh_from_db()
    assert not user.is_staff


@pytest.mark.django_db
def test_createsuperuser_makes_a_program_office_account():
    admin = User.objects.create_superuser("root", "root@example.org", "x-Long-Passw0rd")
    assert admin.role == Role.COORDINATOR and admin.is_staff


def test_an_admin_edit_of_an_agency_is_audited_and_cannot_move_its_category(client, office):
    agency = AgencyFactory(name="舊名稱", category="overall")
    url = reverse("admin:agencies_agency_change", args=[agency.pk])
    form = client.get(url).context["adminform"].form
    assert "category" not in form.fields  # moved on the agency page, recorded (CITY-1)
    assert "city" in form.fields  # which program's cycles the agency joins
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        {
            "name": "新名稱",
            "category": "project",
            "persons-TOTAL_FORMS": "0",
            "persons-INITIAL_FORMS": "0",
        }
    )
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not False}
    for key in [k for k in data if k.startswith("person")]:
        data[key.replace("persons", _inline_prefix(client, url))] = data.pop(key)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    agency.refresh_from_db()
    assert agency.name == "新名稱" and agency.category == "overall"
    event = AuditEvent.objects.get(action="admin_changed", object_id=str(agency.pk))
    assert event.actor == office
    assert event.before == {"name": "舊名稱"} and event.after == {"name": "新名稱"}


def test_a_cycles_program_version_is_read_only_in_the_admin_city16(client, office, hsinchu):
    from serviceeval.cycles.services import cycle_create

    cycle = cycle_create(program=hsinchu, year=105, groups=[])
    response = client.get(reverse("admin:cycles_cycle_change", args=[cycle.pk]))
    assert response.status_code == 200
    assert "program" not in response.context["adminform"].form.fields


def test_the_office_makes_accounts_but_cannot_grant_superuser_or_touch_one(client, office):
    agency = AgencyFactory()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "officer9",
            "password1": "Quite-Long-Pass-2026",
            "password2": "Quite-Long-Pass-2026",
            "usable_password": "true",
            "role": Role.AGENCY_OFFICER,
            "agency": agency.pk,
        },
    )
    assert response.status_code == 302
    made = User.objects.get(username="officer9")
    assert made.agency == agency and not made.is_staff
    assert AuditEvent.objects.filter(action="admin_added", object_id=str(made.pk)).exists()
    # The change form has neither superuser status nor raw permissions.
    form = (
        client.get(reverse("admin:accounts_user_change", args=[made.pk])).context["adminform"].form
    )
    assert not {"is_superuser", "is_staff", "groups", "user_permissions"} & set(form.fields)
    root = User.objects.create_superuser("root", "root@example.org", "x-Long-Passw0rd")
    assert client.get(reverse("admin:accounts_user_change", args=[root.pk])).status_code in (
        302,
        403,
        404,
    )
    assert "root" not in client.get(reverse("admin:accounts_user_changelist")).content.decode()


def test_an_agency_officer_account_without_an_agency_is_a_form_error_not_a_crash(client, office):
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "lost",
            "password1": "Quite-Long-Pass-2026",
            "password2": "Quite-Long-Pass-2026",
            "usable_password": "true",
            "role": Role.AGENCY_OFFICER,
        },
    )
    assert response.status_code == 200
    assert "機關承辦人與機關首長帳號必須指定所屬機關" in response.content.decode()
    assert not User.objects.filter(username="lost").exists()


def _inline_prefix(client, url):
    context = client.get(url).context
    return context["inline_admin_formsets"][0].formset.prefix


@pytest.mark.django_db
def test_office_rights_are_granted_only_through_the_role():
    office = UserFactory(role=Role.COORDINATOR)
    tester = user_for(Role.TESTER)
    assert office.has_perm("agencies.change_agency") and office.has_module_perms("agencies")
    assert not office.has_perm("agencies.delete_agency")
    assert not office.has_perm("reviews.change_score")
    assert not tester.has_perm("agencies.view_agency")
    assert Agency.objects.count() == 0


def test_an_admin_edit_moves_the_page_memo_revision(client, office):
    """core.memo keys busy pages on the newest audit event: an admin edit must move it."""
    from serviceeval.core.memo import revision

    before = revision()
    url = reverse("admin:agencies_group_add")
    assert client.post(url, {"code": "9", "name": "第九組"}).status_code == 302
    assert revision() != before
