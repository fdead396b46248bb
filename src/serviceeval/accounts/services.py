import base64
import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from serviceeval.core.audit import audit_record
from serviceeval.core.tabular import row_label

from . import throttle
from .enums import Role
from .models import ApiToken, RecoveryCode, User
from .rules import role_needs_agency

logger = logging.getLogger(__name__)


class SignInRefused(Exception):
    """Refused before the password was checked: `scope` is "account" or "address"."""

    def __init__(self, scope: str, until):
        super().__init__(scope)
        self.scope = scope
        self.until = until


def sign_in_start(*, username: str, address: str) -> None:
    """Reserve one password check for this username and source address, or refuse.

    Unknown usernames are counted and locked exactly like existing ones, so the
    answer never tells whether an account exists (F15)."""
    until = throttle.reserve(throttle.address_policy(), address)
    if until is not None:
        raise SignInRefused("address", until)
    until = throttle.reserve(throttle.account_policy(), username)
    if until is not None:
        throttle.give_back(throttle.address_policy(), address)
        raise SignInRefused("account", until)


def sign_in_failed(*, username: str, address: str) -> None:
    if throttle.failed(throttle.address_policy(), address):
        logger.warning("sign-in: address %s locked after repeated failures", address)
    if throttle.failed(throttle.account_policy(), username):
        user = User.objects.filter(username=username).first()
        if user is not None:
            until = throttle.locked_until(throttle.account_policy(), username)
            audit_record(actor=None, action="account_locked", obj=user, after={"until": until})


def sign_in_succeeded(*, user: User, address: str) -> None:
    throttle.succeeded(throttle.account_policy(), user.username)
    throttle.give_back(throttle.address_policy(), address)


def account_locked_until(user: User):
    return throttle.locked_until(throttle.account_policy(), user.username)


def account_unlock(*, user: User, actor) -> bool:
    """The office lifts a sign-in lock (audited); False when there was none."""
    if not throttle.clear(throttle.account_policy(), user.username):
        return False
    audit_record(actor=actor, action="account_unlocked", obj=user)
    return True


def twofactor_reset(*, user: User, actor) -> None:
    """The office removes a user's authenticator and recovery codes (audited): the
    user enrols again at the next sign-in."""
    with transaction.atomic():
        devices = TOTPDevice.objects.filter(user=user).delete()[0]
        codes = RecoveryCode.objects.filter(user=user).delete()[0]
        audit_record(
            actor=actor,
            action="twofactor_reset",
            obj=user,
            before={"devices": devices, "recovery_codes": codes},
        )


RECOVERY_CODE_COUNT = 10


def _code_hash(code: str) -> str:
    return hashlib.sha256(normalize_recovery_code(code).encode()).hexdigest()


def normalize_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def recovery_codes_issue(*, user: User, actor) -> list[str]:
    """Ten new one-time codes (80 bits each, Base32 in groups of four); the old ones
    stop working. Shown once; only their hashes are kept."""
    codes = []
    for _n in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()
        codes.append("-".join(raw[i : i + 4] for i in range(0, len(raw), 4)))
    with transaction.atomic():
        RecoveryCode.objects.filter(user=user).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes]
        )
        audit_record(actor=actor, action="recovery_codes_issued", obj=user)
    return codes


def recovery_code_use(*, user: User, code: str) -> bool:
    """Spend one recovery code; True when it was valid and unused."""
    used = RecoveryCode.objects.filter(
        user=user, code_hash=_code_hash(code), used_at__isnull=True
    ).update(used_at=timezone.now())
    if used:
        audit_record(actor=user, action="recovery_code_used", obj=user)
    return bool(used)


def recovery_codes_left(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def api_token_create(*, user: User, name: str) -> str:
    """Create a token and return it; it cannot be shown again."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=token[:8], key_hash=hashlib.sha256(token.encode()).hexdigest()
    )
    audit_record(
        actor=None, action="api_token_created", obj=user, after={"name": name, "prefix": token[:8]}
    )
    return token


def api_token_user(token: str) -> User | None:
    found = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=hashlib.sha256(token.encode()).hexdigest(),
            revoked_at__isnull=True,
            user__is_active=True,
        )
        .first()
    )
    if found is None:
        return None
    ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    return found.user


def twofactor_pending_device(user: User) -> TOTPDevice:
    """The authenticator being enrolled: the user's unconfirmed device, made once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def twofactor_devices(user: User) -> list[TOTPDevice]:
    return list(TOTPDevice.objects.filter(user=user, confirmed=True))


@transaction.atomic
def twofactor_confirm(*, user: User, device: TOTPDevice, replacing: bool) -> list[str]:
    """Confirm the enrolled device, drop every other one, audit, and issue fresh
    recovery codes (returned once, to be shown)."""
    device.confirmed = True
    device.save()
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    audit_record(
        actor=user, action="twofactor_replaced" if replacing else "twofactor_enabled", obj=user
    )
    return recovery_codes_issue(user=user, actor=user)


# Issue 11 item 4: the office manages accounts on its own pages and by import.
# An account is never deleted (its history names it): it is deactivated. A new
# account gets a one-time set-password link by e-mail, never a password.

ACCOUNT_FIELDS = ("name", "role", "agency", "email", "is_active")


class AccountError(Exception):
    """A refused account change; the message says why (zh-Hant first)."""


def _agency_model():
    # The agencies app stands above accounts: reached through the relation.
    return User._meta.get_field("agency").related_model


def _snapshot(user: User) -> dict:
    return {
        "name": user.last_name,
        "role": user.role,
        "agency": user.agency.code if user.agency_id else "",
        "email": user.email,
        "is_active": user.is_active,
    }


def _check(*, role: str, agency, email: str) -> None:
    if role not in Role.values:
        raise AccountError(_("The role %(role)s is not known.") % {"role": role})
    if role_needs_agency(role) and agency is None:
        raise AccountError(_("Agency officers and agency heads must belong to an agency."))
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise AccountError(
                _("The e-mail address %(email)s is not valid.") % {"email": email}
            ) from None


def set_password_link(user: User) -> str:
    """The one-time link that lets `user` set a password (Django's reset token:
    it stops working once the password changes or after PASSWORD_RESET_TIMEOUT)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def set_password_link_send(*, user: User, actor) -> bool:
    """E-mail the set-password link to the account; False when it has no address
    or is inactive. Audited (the link itself is not kept)."""
    if not user.email or not user.is_active:
        return False
    body = render_to_string(
        "accounts/set_password_email.txt", {"user": user, "link": set_password_link(user)}
    )
    subject = render_to_string("accounts/set_password_subject.txt").strip()
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email]).send()
    audit_record(actor=actor, action="set_password_link_sent", obj=user)
    return True


def _send_after_commit(user_ids: list[int], actor) -> None:
    def send():
        for user in User.objects.filter(pk__in=user_ids).select_related("agency"):
            try:
                set_password_link_send(user=user, actor=actor)
            except Exception:  # a mail server failure must not undo the accounts
                logger.exception("set-password mail to %s failed", user.username)

    transaction.on_commit(send)


def user_create(
    *, actor, username: str, name: str, role: str, agency=None, email: str = ""
) -> User:
    """Create an account without a usable password and mail it the link (audited)."""
    username = username.strip()
    if not username:
        raise AccountError(_("A username is required."))
    _check(role=role, agency=agency, email=email)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise AccountError(_("The username %(username)s is taken.") % {"username": username})
        user = User(username=username, last_name=name.strip(), role=role, agency=agency)
        user.email = email.strip()
        user.set_unusable_password()
        user.save()
        audit_record(actor=actor, action="account_created", obj=user, after=_snapshot(user))
        _send_after_commit([user.pk], actor)
    return user


def user_update(*, actor, user: User, **changes) -> bool:
    """Change name, role, agency, e-mail or active (audited); False when nothing
    changed. Agency officers and heads must keep an agency."""
    unknown = set(changes) - set(ACCOUNT_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields {sorted(unknown)}")
    role = changes.get("role", user.role)
    agency = changes.get("agency", user.agency)
    email = changes.get("email", user.email).strip()
    _check(role=role, agency=agency, email=email)
    own = actor is not None and user.pk == getattr(actor, "pk", None)
    if own and changes.get("is_active") is False:
        raise AccountError(_("You cannot deactivate your own account."))
    before = _snapshot(user)
    user.last_name = changes.get("name", user.last_name).strip()
    user.role, user.agency, user.email = role, agency, email
    if "is_active" in changes:
        user.is_active = bool(changes["is_active"])
    after = _snapshot(user)
    if after == before:
        return False
    with transaction.atomic():
        user.save()
        action = "account_changed"
        if before["is_active"] != after["is_active"]:
            action = "account_reactivated" if after["is_active"] else "account_deactivated"
        diff = [k for k in after if after[k] != before[k]]
        audit_record(
            actor=actor,
            action=action,
            obj=user,
            before={k: before[k] for k in diff},
            after={k: after[k] for k in diff},
        )
    return True


def user_deactivate(*, actor, user: User) -> bool:
    """Close an account: it cannot sign in; its history stays (it is never deleted)."""
    return user_update(actor=actor, user=user, is_active=False)


def user_reactivate(*, actor, user: User) -> bool:
    return user_update(actor=actor, user=user, is_active=True)


def user_reset_two_factor(*, actor, user: User) -> None:
    twofactor_reset(user=user, actor=actor)


IMPORT_COLUMNS = ("username", "name", "role", "agency", "email")


@dataclass
class UsersImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


def users_import(*, actor, rows) -> UsersImport:
    """Issue 11 item 4: create or update accounts from rows (number, dict) with
    `IMPORT_COLUMNS`. All or nothing: with any bad row nothing is written and
    every bad row is named. New accounts get the set-password link after commit."""
    report = UsersImport()
    rows = list(rows)
    Agency = _agency_model()
    codes = {str(r.get("agency") or "").strip() for _n, r in rows} - {""}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    seen: dict[str, int] = {}
    parsed = []
    for number, row in rows:
        where = row_label(number)
        username = str(row.get("username") or "").strip()
        name = str(row.get("name") or "").strip()
        role = str(row.get("role") or "").strip()
        code = str(row.get("agency") or "").strip()
        email = str(row.get("email") or "").strip()
        problems = []
        if not username:
            problems.append(_("the username is empty"))
        elif username.lower() in seen:
            problems.append(
                _("the username %(username)s is already on %(row)s")
                % {"username": username, "row": row_label(seen[username.lower()])}
            )
        else:
            seen[username.lower()] = number
        if role not in Role.values:
            problems.append(
                _("the role %(role)s is not one of %(roles)s")
                % {"role": role or "—", "roles": "、".join(Role.values)}
            )
        agency = agencies.get(code) if code else None
        if code and agency is None:
            problems.append(_("no agency has the code %(code)s") % {"code": code})
        elif not code and role_needs_agency(role):
            problems.append(_("an agency officer or head needs an agency code"))
        if email:
            try:
                validate_email(email)
            except ValidationError:
                problems.append(_("the e-mail address %(email)s is not valid") % {"email": email})
        if problems:
            report.errors.append(f"{where}：{'；'.join(str(p) for p in problems)}")
            continue
        parsed.append((username, name, role, agency, email))
    if report.errors:
        return report
    # Usernames match whatever their case: a re-import updates, never duplicates.
    existing = {
        u.username.lower(): u
        for u in User.objects.annotate(lowered=Lower("username"))
        .filter(lowered__in=list(seen))
        .select_related("agency")
    }
    new_ids = []
    with transaction.atomic():
        for username, name, role, agency, email in parsed:
            user = existing.get(username.lower())
            if user is None:
                user = User(username=username, last_name=name, role=role, agency=agency)
                user.email = email
                user.set_unusable_password()
                user.save()
                audit_record(actor=actor, action="account_created", obj=user, after=_snapshot(user))
                new_ids.append(user.pk)
                report.created += 1
            elif user_update(
                actor=actor, user=user, name=name, role=role, agency=agency, email=email
            ):
                report.updated += 1
            else:
                report.unchanged += 1
        if new_ids:
            _send_after_commit(new_ids, actor)
    return report
