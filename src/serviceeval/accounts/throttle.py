"""Attempt counting shared by every process: sign-in lock, source-address limit,
two-factor codes (SPEC §5: 5 failed sign-ins → 15 minutes).

An attempt is reserved *before* the password or code is checked, with one
conditional UPDATE (`failures < limit`), so a burst of parallel requests gets at
most `limit` checks: the database serialises the UPDATEs, and a reservation that
finds the limit reached is refused without checking anything. A failed check keeps
its reservation and locks the key when the limit is reached; a success gives it back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    prefix: str
    limit: int
    window: timedelta  # failures older than this no longer count
    lock: timedelta | None  # None: locked until the window ends


def account_policy() -> Policy:
    minutes = timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)
    return Policy("user", settings.LOGIN_FAILURE_LIMIT, minutes, minutes)


def address_policy() -> Policy:
    window = timedelta(minutes=settings.LOGIN_ADDRESS_WINDOW_MINUTES)
    return Policy("addr", settings.LOGIN_ADDRESS_FAILURE_LIMIT, window, None)


def otp_policy() -> Policy:
    minutes = timedelta(minutes=settings.OTP_LOCKOUT_MINUTES)
    return Policy("otp", settings.OTP_FAILURE_LIMIT, minutes, minutes)


def key_for(policy: Policy, subject) -> str:
    return f"{policy.prefix}:{subject}"[:200]


def reserve(policy: Policy, subject, *, now: datetime | None = None) -> datetime | None:
    """Reserve one attempt. None when allowed; else the moment it may be tried again."""
    now = now or timezone.now()
    key = key_for(policy, subject)
    rows = LoginThrottle.objects.filter(key=key)
    if not rows.exists():
        try:
            with transaction.atomic():
                LoginThrottle.objects.create(key=key, window_start=now)
        except IntegrityError:
            pass  # a parallel attempt created it
    # A lock that has run out, or a window without a lock that has passed, starts over.
    # The condition holds for one UPDATE only: after it, window_start is now.
    rows.filter(
        Q(locked_until__lte=now)
        | Q(locked_until__isnull=True, window_start__lte=now - policy.window)
    ).update(failures=0, window_start=now, locked_until=None)
    if rows.filter(failures__lt=policy.limit, locked_until__isnull=True).update(
        failures=F("failures") + 1
    ):
        return None
    row = rows.values("locked_until", "window_start").first()
    if row is None or row["locked_until"] is None:
        # The limit is reached by attempts still being checked.
        return now + (policy.lock or policy.window)
    return row["locked_until"]


def failed(policy: Policy, subject, *, now: datetime | None = None) -> bool:
    """A reserved attempt failed; lock when the limit is reached. True when it locked now."""
    now = now or timezone.now()
    rows = LoginThrottle.objects.filter(key=key_for(policy, subject))
    if policy.lock is not None:
        until = now + policy.lock
    else:
        start = rows.values_list("window_start", flat=True).first() or now
        until = start + policy.window
    return bool(
        rows.filter(failures__gte=policy.limit, locked_until__isnull=True).update(
            locked_until=until
        )
    )


def succeeded(policy: Policy, subject) -> None:
    """The account or code was right: its count starts over."""
    LoginThrottle.objects.filter(key=key_for(policy, subject)).update(failures=0, locked_until=None)


def give_back(policy: Policy, subject) -> None:
    """Undo one reservation (a success from an address, or an attempt refused
    before anything was checked)."""
    LoginThrottle.objects.filter(key=key_for(policy, subject), failures__gt=0).update(
        failures=F("failures") - 1
    )


def locked_until(policy: Policy, subject, *, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    until = (
        LoginThrottle.objects.filter(key=key_for(policy, subject), locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )
    return until


def clear(policy: Policy, subject) -> bool:
    """The office unlocks: True when there was a lock or a count to clear."""
    return bool(
        LoginThrottle.objects.filter(key=key_for(policy, subject))
        .filter(Q(failures__gt=0) | Q(locked_until__isnull=False))
        .update(failures=0, locked_until=None)
    )
