"""Issue 9, sign-in findings: F1 two-factor bypass, F2 admin login, F5 audited
password resets, F6 lockout burst, F15 enumeration and permanent lockout, F16
headers and the 403 log line. Each test fails on the code before the fix."""

import logging
import re
import threading

import pytest
from django.contrib.auth.signals import user_login_failed
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from serviceeval.accounts import throttle
from serviceeval.accounts.models import LoginThrottle, RecoveryCode
from serviceeval.accounts.services import account_locked_until
from serviceeval.core.models import AuditEvent
from tests.factories import TEST_PASSWORD, UserFactory


def code_for(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in(client, username, password=TEST_PASSWORD, address="10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def wrong_code(device):
    return "000000" if code_for(device) != "000000" else "111111"


# F1 ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_f1_password_alone_cannot_replace_a_confirmed_device(client):
    user = UserFactory(username="rev", role="reviewer")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    assert sign_in(client, "rev").status_code == 302
    response = client.get("/accounts/2fa/setup/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/verify/")
    # No second device is created, and posting a code for a made-up one does nothing.
    assert client.post("/accounts/2fa/setup/", {"token": "123456"}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=user)) == [device]
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/agencies/",
        "/admin/",
        "/accounts/password/",
        "/accounts/ping/",
        "/accounts/2fa/setup/",
        "/reviews/assignments/",
    ],
)
def test_f1_unverified_session_reaches_only_sign_in_verify_and_sign_out(client, path):
    user = UserFactory(username="office1", role="coordinator")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, "office1")
    response = client.get(path)
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/verify/?next=")
    assert client.get("/api/v1/agencies").status_code == 401
    assert client.get("/accounts/2fa/verify/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


@pytest.mark.django_db
def test_f1_enforced_role_without_device_may_only_enrol(client, settings):
    settings.OTP_ENFORCE = True
    UserFactory(username="newoffice", role="coordinator")
    sign_in(client, "newoffice")
    assert client.get("/dashboard/").url == "/accounts/2fa/setup/"
    assert client.get("/api/v1/agencies").status_code == 401
    assert client.get("/accounts/2fa/setup/").status_code == 200


@pytest.mark.django_db
def test_f1_verified_session_replaces_its_device_with_recovery_codes(client):
    user = UserFactory(username="rev2", role="reviewer")
    old = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, "rev2")
    assert client.post("/accounts/2fa/verify/", {"token": code_for(old)}).status_code == 302
    page = client.get("/accounts/2fa/setup/").content.decode()
    new = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/accounts/2fa/setup/", {"token": code_for(new)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=user)) == [new]
    assert "已設定驗證器" in page
    assert (
        AuditEvent.objects.filter(action="twofactor_replaced", object_id=str(user.pk)).count() == 1
    )


@pytest.mark.django_db
def test_f16_setup_shows_qr_and_base32_key_grouped_by_four(client):
    user = UserFactory(role="coordinator")
    client.force_login(user)
    page = client.get("/accounts/2fa/setup/").content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    key = re.search(r'<code class="otp-key">([^<]+)</code>', page).group(1)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", key)
    import base64

    assert base64.b32decode(key.replace(" ", "") + "=" * (-len(key.replace(" ", "")) % 8)) == (
        device.bin_key
    )
    assert "<svg" in page and "<?xml" not in page


@pytest.mark.django_db
def test_f1_recovery_codes_are_hashed_and_work_once(client):
    user = UserFactory(username="rev3", role="reviewer")
    client.force_login(user)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    page = client.post("/accounts/2fa/setup/", {"token": code_for(device)}).content.decode()
    codes = re.findall(r"<li><code>([A-Z2-7-]+)</code></li>", page)
    assert len(codes) == 10
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not any(c.replace("-", "") in stored for c in codes)
    assert not any(c in stored for c in codes)
    client.post("/accounts/logout/")
    other = Client()
    sign_in(other, "rev3")
    assert other.post("/accounts/2fa/verify/", {"token": codes[0].lower()}).status_code == 302
    assert other.get("/dashboard/").status_code == 200
    again = Client()
    sign_in(again, "rev3")
    assert again.post("/accounts/2fa/verify/", {"token": codes[0]}).status_code == 400
    assert again.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_f1_one_wrong_code_is_not_too_many_but_five_throttle_across_sessions(client):
    user = UserFactory(username="rev4", role="reviewer")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    sign_in(client, "rev4")
    first = client.post("/accounts/2fa/verify/", {"token": wrong_code(device)})
    assert "驗證碼不正確" in first.content.decode()
    assert client.post("/accounts/2fa/verify/", {"token": code_for(device)}).status_code == 302
    # Five wrong codes spread over two sessions (two browsers, two processes) lock it.
    a, b = Client(), Client()
    sign_in(a, "rev4")
    sign_in(b, "rev4")
    for i in range(5):
        (a if i % 2 else b).post("/accounts/2fa/verify/", {"token": wrong_code(device)})
    device.refresh_from_db()
    locked = a.post("/accounts/2fa/verify/", {"token": code_for(device)})
    assert "驗證碼錯誤次數過多" in locked.content.decode()
    assert a.get("/dashboard/").status_code == 302


# F2 ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_f2_admin_login_is_the_products_sign_in(client):
    UserFactory(username="office2", role="coordinator")
    response = client.get("/admin/login/?next=/admin/")
    assert (response.status_code, response.url) == (302, "/accounts/login/?next=/admin/")
    # A password posted to the admin's old form signs nobody in.
    client.post("/admin/login/", {"username": "office2", "password": TEST_PASSWORD})
    assert client.get("/admin/").status_code == 302
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_f2_account_locked_on_sign_in_is_locked_for_the_admin_too(client):
    UserFactory(username="office3", role="coordinator")
    for _ in range(5):
        sign_in(client, "office3", "wrong-password")
    for _ in range(20):
        client.post("/admin/login/", {"username": "office3", "password": "guess"})
    response = sign_in(client, "office3")
    assert "帳號已鎖定 15 分鐘" in response.content.decode()
    assert client.get("/admin/").status_code == 302


# F5 and item 6 ------------------------------------------------------------------


@pytest.mark.django_db
def test_f5_office_setting_a_password_in_the_admin_is_audited(client):
    office = UserFactory(role="coordinator")
    target = UserFactory(username="tester1", role="tester")
    client.force_login(office)
    response = client.post(
        f"/admin/accounts/user/{target.pk}/password/",
        {"password1": "Brand-new-pass-2026", "password2": "Brand-new-pass-2026"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="password_set_by_office")
    assert (event.actor_id, event.object_id) == (office.pk, str(target.pk))


@pytest.mark.django_db
def test_f5_role_change_unlock_and_twofactor_reset_are_audited(client):
    office = UserFactory(role="coordinator")
    target = UserFactory(username="rev5", role="reviewer")
    TOTPDevice.objects.create(user=target, name="app", confirmed=True)
    for _ in range(5):
        sign_in(Client(), "rev5", "wrong")
    assert account_locked_until(target) is not None
    client.force_login(office)
    changelist = "/admin/accounts/user/"
    for action in ("unlock_accounts", "reset_two_factor"):
        response = client.post(changelist, {"action": action, "_selected_action": [target.pk]})
        assert response.status_code == 302
    assert account_locked_until(target) is None
    assert not TOTPDevice.objects.filter(user=target).exists()
    page = client.get(f"/admin/accounts/user/{target.pk}/change/").content.decode()
    form = {
        "username": "rev5",
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "role": "tester",
        "agency": "",
    }
    assert "sign_in_lock" in page or "登入鎖定至" in page
    assert client.post(f"/admin/accounts/user/{target.pk}/change/", form).status_code == 302
    actions = set(
        AuditEvent.objects.filter(object_id=str(target.pk), actor=office).values_list(
            "action", flat=True
        )
    )
    assert {"account_unlocked", "twofactor_reset", "role_changed"} <= actions
    role = AuditEvent.objects.get(action="role_changed")
    assert (role.before, role.after) == ({"role": "reviewer"}, {"role": "tester"})


@pytest.mark.django_db
def test_f5_password_reset_by_link_is_audited(client):
    from django.core import mail

    user = UserFactory(username="alice2", email="alice2@example.gov.tw")
    client.post("/accounts/password/reset/", {"email": "alice2@example.gov.tw"})
    link = re.search(r"(/accounts/password/reset/\S+/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link).url
    new = "Another-long-pass-2026"
    assert client.post(form_url, {"new_password1": new, "new_password2": new}).status_code == 302
    assert AuditEvent.objects.filter(action="password_reset", object_id=str(user.pk)).count() == 1


# F6 ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_f6_parallel_burst_checks_at_most_five_passwords():
    UserFactory(username="burst", role="coordinator")
    checked = []
    user_login_failed.connect(lambda **kw: checked.append(1), weak=False, dispatch_uid="f6")
    barrier = threading.Barrier(30)
    errors = []

    def attempt(i):
        try:
            barrier.wait()
            sign_in(Client(), "burst", f"guess-{i}", address=f"10.1.{i}.1")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=attempt, args=(i,)) for i in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        user_login_failed.disconnect(dispatch_uid="f6")
    assert errors == []
    assert len(checked) <= 5
    assert LoginThrottle.objects.get(key="user:burst").locked_until is not None


# F15 --------------------------------------------------------------------------


@pytest.mark.django_db
def test_f15_unknown_username_locks_and_answers_like_an_existing_one(client):
    UserFactory(username="real")
    answers = {}
    for name in ("real", "ghost"):
        for _ in range(5):
            first = sign_in(client, name, "wrong", address=f"10.2.0.{len(name)}")
        answers[name] = sign_in(client, name, "wrong", address=f"10.2.0.{len(name)}")
        assert "帳號或密碼不正確" in first.content.decode()
    assert "帳號已鎖定 15 分鐘" in answers["real"].content.decode()
    assert "帳號已鎖定 15 分鐘" in answers["ghost"].content.decode()
    assert answers["real"].status_code == answers["ghost"].status_code == 200


@pytest.mark.django_db
def test_f15_one_address_cannot_keep_an_account_locked(client):
    owner = UserFactory(username="office", role="coordinator")
    attacker = "203.0.113.9"
    for _ in range(5):
        sign_in(client, "office", "guess", address=attacker)
    assert account_locked_until(owner) is not None
    # The lock runs out; the same address locks it once more and is then itself stopped.
    LoginThrottle.objects.filter(key="user:office").update(locked_until=timezone.now())
    for _ in range(5):
        sign_in(client, "office", "guess", address=attacker)
    LoginThrottle.objects.filter(key="user:office").update(locked_until=timezone.now())
    refused = sign_in(client, "office", "guess", address=attacker)
    assert "此網路位址登入失敗次數過多" in refused.content.decode()
    assert account_locked_until(owner) is None
    assert sign_in(Client(), "office", address="198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_f15_spraying_many_usernames_from_one_address_is_slowed(client):
    for i in range(10):
        sign_in(client, f"name{i}", "guess", address="203.0.113.10")
    UserFactory(username="victim")
    refused = sign_in(client, "victim", address="203.0.113.10")
    assert "此網路位址登入失敗次數過多" in refused.content.decode()
    assert sign_in(Client(), "victim", address="203.0.113.11").status_code == 302


@pytest.mark.django_db
def test_f15_address_limit_window_passes(client):
    for i in range(10):
        sign_in(client, f"n{i}", "guess", address="203.0.113.12")
    # The window's counter expires in the cache (its timeout is the window).
    assert throttle.locked_until(throttle.address_policy(), "203.0.113.12") is not None
    throttle.clear(throttle.address_policy(), "203.0.113.12")
    UserFactory(username="later")
    assert sign_in(client, "later", address="203.0.113.12").status_code == 302


# F16 --------------------------------------------------------------------------


@pytest.mark.django_db
def test_f16_csp_without_inline_or_external_sources(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp and "http" not in csp
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_f16_templates_hold_no_inline_script_or_style():
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "serviceeval"
    offenders = []
    for path in src.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(
            r"\sstyle=|<style|\son[a-z]+=", text
        ):
            offenders.append(str(path.relative_to(src)))
    assert offenders == []


@pytest.mark.django_db
def test_f16_signed_in_pages_and_downloads_are_not_stored(client):
    client.force_login(UserFactory(role="coordinator"))
    assert "no-store" in client.get("/dashboard/")["Cache-Control"]
    assert "no-store" in client.get("/api/v1/openapi.json")["Cache-Control"]


@pytest.mark.django_db
def test_f16_a_download_is_not_stored_even_when_public(client):
    from django.http import HttpResponse
    from django.test import RequestFactory

    from serviceeval.core.headers import SecurityHeadersMiddleware

    def view(request):
        response = HttpResponse(b"x")
        response["Content-Disposition"] = 'attachment; filename="x.csv"'
        return response

    request = RequestFactory().get("/x")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert "no-store" in SecurityHeadersMiddleware(view)(request)["Cache-Control"]


@pytest.mark.django_db
def test_f16_a_403_logs_one_line_without_traceback(client, caplog):
    client.force_login(UserFactory(role="tester"))
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get("/agencies/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    from serviceeval.core.headers import ForbiddenOneLine

    ForbiddenOneLine().filter(records[0])
    assert records[0].exc_info is None
    handler = logging.StreamHandler()
    handler.addFilter(ForbiddenOneLine())
    assert "\n" not in handler.format(records[0])
