import base64
import hashlib
import logging
import secrets

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from serviceeval.core.audit import audit_record

from . import throttle
from .models import ApiToken, RecoveryCode, User

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
    for _ in range(RECOVERY_CODE_COUNT):
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
