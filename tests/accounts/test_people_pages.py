"""Issue 11 item 4: the office manages accounts on its own pages (never deleted)."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.core.models import AuditEvent
from tests.factories import AgencyFactory, post_confirmed, user_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client):
    user = user_for(Role.COORDINATOR)
    client.force_login(user)
    return user


def link_in(message) -> str:
    return re.search(r"https?://\S+/accounts/password/reset/\S+/", message.body).group(0)


def test_create_sends_a_one_time_link_and_shows_no_password(
    client, office, django_capture_on_commit_callbacks
):
    agency = AgencyFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:person_create"),
            {
                "username": "wang",
                "name": "王小明",
                "role": Role.AGENCY_OFFICER,
                "agency": agency.pk,
                "email": "wang@example.gov.tw",
            },
        )
    assert response.status_code == 302
    user = User.objects.get(username="wang")
    assert (user.last_name, user.role, user.agency, user.email) == (
        "王小明",
        Role.AGENCY_OFFICER,
        agency,
        "wang@example.gov.tw",
    )
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["wang@example.gov.tw"]
    page = client.get(response.url).content.decode()
    assert "王小明" in page and "password/reset" not in page
    assert AuditEvent.objects.filter(action="account_created").count() == 1


def test_the_link_sets_a_password_once(client, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("accounts:person_create"),
            {"username": "lin", "name": "林", "role": Role.REVIEWER, "email": "lin@example.gov.tw"},
        )
    link = link_in(mail.outbox[0]).split("://", 1)[1].split("/", 1)[1]
    client.logout()
    form = client.get("/" + link, follow=True)
    assert form.status_code == 200
    posted = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "Lin-new-pass-2026!", "new_password2": "Lin-new-pass-2026!"},
    )
    assert posted.status_code == 302
    assert User.objects.get(username="lin").check_password("Lin-new-pass-2026!")
    again = client.get("/" + link, follow=True)
    assert "無效或已過期" in again.content.decode()  # one time only


def test_an_agency_role_needs_an_agency(client, office):
    response = client.post(
        reverse("accounts:person_create"),
        {"username": "x", "name": "", "role": Role.AGENCY_HEAD, "email": ""},
    )
    assert response.status_code == 400
    assert not User.objects.filter(username="x").exists()


def test_edit_changes_role_agency_and_email_audited(client, office):
    person = user_for(Role.TESTER)
    agency = AgencyFactory()
    response = client.post(
        reverse("accounts:person_edit", args=[person.pk]),
        {
            "name": "陳",
            "role": Role.AGENCY_HEAD,
            "agency": agency.pk,
            "email": "chen@example.gov.tw",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.role, person.agency, person.email, person.last_name) == (
        Role.AGENCY_HEAD,
        agency,
        "chen@example.gov.tw",
        "陳",
    )
    event = AuditEvent.objects.get(action="account_changed")
    assert event.after["role"] == Role.AGENCY_HEAD


def test_deactivate_asks_first_and_never_deletes(client, office):
    person = user_for(Role.REVIEWER)
    url = reverse("accounts:person_active", args=[person.pk])
    response = post_confirmed(client, url)
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    assert AuditEvent.objects.filter(action="account_deactivated").exists()
    client.post(url)  # reactivation asks nothing
    person.refresh_from_db()
    assert person.is_active


def test_the_office_cannot_deactivate_itself(client, office):
    post_confirmed(client, reverse("accounts:person_active", args=[office.pk]))
    office.refresh_from_db()
    assert office.is_active


def test_reset_two_factor_asks_first(client, office):
    person = user_for(Role.REVIEWER)
    TOTPDevice.objects.create(user=person, name="a", confirmed=True)
    post_confirmed(client, reverse("accounts:person_twofactor_reset", args=[person.pk]))
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert AuditEvent.objects.filter(action="twofactor_reset").exists()


def test_send_the_link_again(client, office):
    person = user_for(Role.REVIEWER, email="r@example.gov.tw")
    client.post(reverse("accounts:person_send_link", args=[person.pk]))
    assert len(mail.outbox) == 1
    assert client.get(reverse("accounts:person_send_link", args=[person.pk])).status_code == 405


def test_no_delete_is_offered(client, office):
    person = user_for(Role.REVIEWER)
    page = client.get(reverse("accounts:person_edit", args=[person.pk])).content.decode()
    actions = re.findall(r'action="([^"]+)"', page)
    assert actions and not any("delete" in a for a in actions)
    from serviceeval.accounts.urls import urlpatterns

    assert not any("delete" in p.name for p in urlpatterns)


def test_list_searches_filters_and_sorts(client, office):
    agency = AgencyFactory(name="稅務局")
    user_for(Role.AGENCY_OFFICER, agency=agency, username="tax1", last_name="張")
    user_for(Role.REVIEWER, username="rev1", is_active=False)
    url = reverse("accounts:people")
    assert "tax1" in client.get(url, {"q": "稅務"}).content.decode()
    assert "rev1" not in client.get(url, {"q": "稅務"}).content.decode()
    page = client.get(url, {"role": Role.REVIEWER, "active": "0"}).content.decode()
    assert "rev1" in page and "tax1" not in page
    assert client.get(url, {"sort": "-agency", "page": "999"}).status_code == 200


@pytest.mark.parametrize(
    "role", [Role.AGENCY_OFFICER, Role.AGENCY_HEAD, Role.REVIEWER, Role.TESTER]
)
def test_others_are_refused(client, role):
    person = user_for(Role.REVIEWER)
    client.force_login(user_for(role))
    for url in (
        reverse("accounts:people"),
        reverse("accounts:person_create"),
        reverse("accounts:person_edit", args=[person.pk]),
    ):
        assert client.get(url).status_code == 403
    assert (
        client.post(
            reverse("accounts:person_active", args=[person.pk]), {"confirmed": "1"}
        ).status_code
        == 403
    )
    person.refresh_from_db()
    assert person.is_active


def test_anonymous_goes_to_sign_in(client):
    response = client.get(reverse("accounts:people"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_superuser_of_another_role_may_manage(client):
    boss = user_for(Role.REVIEWER, is_superuser=True)
    client.force_login(boss)
    assert client.get(reverse("accounts:people")).status_code == 200


def test_unknown_account_is_404(client, office):
    assert client.get(reverse("accounts:person_edit", args=[99999])).status_code == 404


@pytest.mark.parametrize("count", [1, 5])
def test_list_queries_do_not_grow_with_accounts(client, office, count):
    for _n in range(count):
        user_for(Role.AGENCY_OFFICER)
    client.get(reverse("accounts:people"))  # warm caches
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("accounts:people")).status_code == 200
    if count == 1:
        pytest.queries_at_one = len(ctx)
    else:
        assert len(ctx) == pytest.queries_at_one
