from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from serviceeval.core.audit import audit_record

from .models import User


def login_failed(*, username: str) -> None:
    """Count a failed login; the fifth locks the account for 15 minutes."""
    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            return
        User.objects.filter(pk=user.pk).update(failed_logins=F("failed_logins") + 1)
        user.refresh_from_db(fields=["failed_logins"])
        if user.failed_logins >= settings.LOGIN_FAILURE_LIMIT:
            user.locked_until = timezone.now() + timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
            user.failed_logins = 0
            user.save(update_fields=["locked_until", "failed_logins"])
            audit_record(
                actor=None, action="account_locked", obj=user, after={"until": user.locked_until}
            )


def login_succeeded(*, user: User) -> None:
    if user.failed_logins or user.locked_until:
        user.failed_logins = 0
        user.locked_until = None
        user.save(update_fields=["failed_logins", "locked_until"])


def api_token_create(*, user: User, name: str) -> str:
    """Create a token and return it; it cannot be shown again."""
    import hashlib
    import secrets

    from .models import ApiToken

    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, name=name, prefix=token[:8], key_hash=hashlib.sha256(token.encode()).hexdigest()
    )
    audit_record(
        actor=None, action="api_token_created", obj=user, after={"name": name, "prefix": token[:8]}
    )
    return token


def api_token_user(token: str) -> User | None:
    import hashlib

    from .models import ApiToken

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
