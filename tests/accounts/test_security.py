"""Sign-in security (SPEC §5): lockout, Argon2, password history, idle timeout."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from serviceeval.accounts import throttle
from serviceeval.accounts.models import LoginThrottle
from serviceeval.accounts.services import account_locked_until
from serviceeval.settings import base
from tests.factories import TEST_PASSWORD, UserFactory


def login(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_production_hasher_is_argon2():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_five_failed_logins_lock_the_account_for_15_minutes(client):
    user = UserFactory(username="alice")
    for _ in range(5):
        assert login(client, "alice", "wrong-password").status_code == 200
    until = account_locked_until(user)
    assert until is not None
    assert timedelta(minutes=14) < until - timezone.now() <= timedelta(minutes=15)
    response = login(client, "alice", TEST_PASSWORD)
    assert response.status_code == 200
    assert "帳號已鎖定 15 分鐘" in response.content.decode()
    LoginThrottle.objects.filter(key="user:alice").update(
        locked_until=timezone.now() - timedelta(seconds=1)
    )
    assert login(client, "alice", TEST_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_four_failures_then_success_resets_the_count(client):
    user = UserFactory(username="bob")
    for _ in range(4):
        login(client, "bob", "wrong-password")
    assert login(client, "bob", TEST_PASSWORD).status_code == 302
    assert throttle.failures(throttle.account_policy(), "bob") == 0
    assert account_locked_until(user) is None
    assert not LoginThrottle.objects.filter(key="user:bob").exists()


@pytest.mark.django_db
def test_last_three_passwords_cannot_be_reused():
    user = UserFactory()
    passwords = ["Formosa-Tea-2026!", "Keelung-Rain-2027!", "Tainan-Sun-2028!"]
    for pw in passwords:
        validate_password(pw, user)
        user.set_password(pw)
        user.save()  # Django calls password_changed, which records the history
    for pw in passwords:
        with pytest.raises(ValidationError) as exc:
            validate_password(pw, user)
        assert exc.value.messages == ["此密碼最近使用過，請選擇最近 3 次未使用過的密碼。"]
    validate_password("Hualien-Sea-2029!", user)


@pytest.mark.django_db
def test_idle_session_is_signed_out(client, settings):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/dashboard/").status_code == 200
    session = client.session
    session["last_activity"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT_SECONDS - 5
    session.save()
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?timeout=1"
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_logout_requires_post(client):
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/dashboard/").status_code == 302
