"""Attempt counting shared by every process: sign-in lock, source-address limit,
two-factor codes (SPEC §5: 5 failed sign-ins → 15 minutes).

The counters live in the shared cache (`default`: Redis in production, so every
process and host counts together), one integer per key that expires with its
window. An attempt is reserved *before* the password or code is checked, with one
atomic increment, so a burst of parallel requests gets at most `limit` checks; a
reservation over the limit is given back and refused without checking anything. A
failed check keeps its reservation; a success gives it back.

The lock itself, once the limit is reached, is written to the database
(`LoginThrottle`): a cache restart or eviction forgets counts, never a lock. The
address limit has no lock of its own: it holds until its window expires.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from .models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    prefix: str
    limit: int
    window: timedelta  # failures older than this no longer count
    lock: timedelta | None  # None: refused until the window ends


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


def _cache():
    return caches["default"]


def _count_key(key: str) -> str:
    return f"throttle:{key}"


def _start_key(key: str) -> str:
    return f"throttle:{key}:start"


def _seconds(window: timedelta) -> int:
    return max(1, int(window.total_seconds()))


def _increment(key: str, policy: Policy, now: datetime) -> int:
    cache, ttl = _cache(), _seconds(policy.window)
    if cache.add(_count_key(key), 0, ttl):
        cache.set(_start_key(key), now.timestamp(), ttl)
    try:
        return cache.incr(_count_key(key))
    except ValueError:  # expired between add and incr: a new window
        cache.add(_count_key(key), 1, ttl)
        cache.set(_start_key(key), now.timestamp(), ttl)
        return 1


def _decrement(key: str) -> None:
    try:
        if (_cache().get(_count_key(key)) or 0) > 0:
            _cache().decr(_count_key(key))
    except ValueError:  # already expired
        pass


def _count(key: str) -> int:
    return _cache().get(_count_key(key)) or 0


def _window_end(key: str, policy: Policy, now: datetime) -> datetime:
    start = _cache().get(_start_key(key))
    if start is None:
        return now + policy.window
    return datetime.fromtimestamp(start, tz=now.tzinfo) + policy.window


def _lock_until(key: str, now: datetime) -> datetime | None:
    return (
        LoginThrottle.objects.filter(key=key, locked_until__gt=now)
        .values_list("locked_until", flat=True)
        .first()
    )


def reserve(policy: Policy, subject, *, now: datetime | None = None) -> datetime | None:
    """Reserve one attempt. None when allowed; else the moment it may be tried again."""
    now = now or timezone.now()
    key = key_for(policy, subject)
    if policy.lock is not None:
        until = LoginThrottle.objects.filter(key=key).values_list("locked_until", flat=True).first()
        if until is not None and until > now:
            return until
        if until is not None:  # a lock that has run out starts over
            LoginThrottle.objects.filter(key=key, locked_until__lte=now).delete()
            _cache().delete_many([_count_key(key), _start_key(key)])
    if _increment(key, policy, now) <= policy.limit:
        return None
    _decrement(key)  # refused: this attempt checks nothing
    if policy.lock is not None:
        # The limit is reached by attempts still being checked.
        return now + policy.lock
    return _window_end(key, policy, now)


def failed(policy: Policy, subject, *, now: datetime | None = None) -> bool:
    """A reserved attempt failed; lock when the limit is reached. True when it locked now."""
    now = now or timezone.now()
    key = key_for(policy, subject)
    if _count(key) < policy.limit:
        return False
    if policy.lock is None:
        return True  # refused until the window ends
    # The count stays until its window expires (no later than the lock ends), so an
    # attempt racing this write is still over the limit.
    LoginThrottle.objects.update_or_create(key=key, defaults={"locked_until": now + policy.lock})
    return True


def succeeded(policy: Policy, subject) -> None:
    """The account or code was right: its count starts over."""
    key = key_for(policy, subject)
    _cache().delete_many([_count_key(key), _start_key(key)])
    LoginThrottle.objects.filter(key=key).delete()


def give_back(policy: Policy, subject) -> None:
    """Undo one reservation (a success from an address, or an attempt refused
    before anything was checked)."""
    _decrement(key_for(policy, subject))


def locked_until(policy: Policy, subject, *, now: datetime | None = None) -> datetime | None:
    now = now or timezone.now()
    key = key_for(policy, subject)
    if policy.lock is not None:
        return _lock_until(key, now)
    return _window_end(key, policy, now) if _count(key) >= policy.limit else None


def failures(policy: Policy, subject) -> int:
    """Failed attempts counted in the current window."""
    return _count(key_for(policy, subject))


def clear(policy: Policy, subject) -> bool:
    """The office unlocks: True when there was a lock or a count to clear."""
    key = key_for(policy, subject)
    counted = _count(key) > 0
    _cache().delete_many([_count_key(key), _start_key(key)])
    deleted, _ = LoginThrottle.objects.filter(key=key).delete()
    return counted or bool(deleted)
