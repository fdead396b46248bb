"""Aggregates of the busy pages, computed once per data revision (SPEC §5 pages).

Some pages show figures that read every row of a cycle: the calibration of 260,000
scores, the yearly field-test averages and ranks over 24,000 calls. Computing them
on every request costs from 0.1 to 1.5 s; their inputs change only when somebody
records something.

Every write that changes those inputs goes through a service that records an audit
event in the same transaction (scores, sheets, assignments, conflicts, exclusions,
tie-breaks, results, field tests, submissions, rewards: SPEC §5 requires the trail),
and the audit trail is append-only. So the id of the newest audit event is a
revision number of all of them: `revision()` reads it with one query on the primary
key, and `memo(key, revision, compute)` recomputes only when it moved. Reading the
revision before the data makes a race harmless: what is stored under a revision is
at least as new as that revision.

The memo lives in the process (no pickling: a hit costs a dict lookup), holds at most
MAX_ENTRIES values (least recently used out), and lets one thread compute a key while
the others wait for it rather than compute it again. Callers must not change what
they get back. Writes that bypass the services (the Django admin, a shell) are not
seen until the next audited write.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import connection

from .cacheclear import clear_alias

MAX_ENTRIES = 64

_lock = threading.Lock()
_entries: OrderedDict[Hashable, tuple[Hashable, Any]] = OrderedDict()
_computing: dict[Hashable, threading.Lock] = {}


# The revision a request read first (`RevisionMiddleware` pins it, before the view
# reads any data): the memo and the fragments of one page then agree on it, with one
# query. An audited write during the request unpins it (`moved`), so what the request
# renders after its own write is keyed by the newer revision. Emptied at the start
# and the end of every request.
_pinned: ContextVar[int | None] = ContextVar("serviceeval_revision", default=None)


def revision() -> int:
    """The id of the newest audit event (0 for none): one query on the primary key,
    or the revision this request pinned."""
    from .models import AuditEvent

    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def pin() -> int:
    """Read the revision and keep it for the rest of this request."""
    _pinned.set(None)
    rev = revision()
    _pinned.set(rev)
    return rev


def _unpin(**kwargs) -> None:
    _pinned.set(None)


def moved() -> None:
    """An audit event was recorded in this thread: the next `revision()` reads again."""
    _pinned.set(None)


class RevisionMiddleware:
    """Reads the data revision at the start of each request, before any data."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        pin()
        return self.get_response(request)


request_started.connect(_unpin, dispatch_uid="serviceeval-memo-unpin-start")
request_finished.connect(_unpin, dispatch_uid="serviceeval-memo-unpin-finish")


def _lookup(key, rev):
    hit = _entries.get(key)
    if hit is not None and hit[0] == rev:
        _entries.move_to_end(key)
        return True, hit[1]
    return False, None


def memo(key: Hashable, rev: Hashable, compute: Callable[[], Any]) -> Any:
    """`compute()`, or the value it returned for `key` at revision `rev`."""
    key = (connection.alias, connection.settings_dict["NAME"], key)
    with _lock:
        found, value = _lookup(key, rev)
        if found:
            return value
        key_lock = _computing.setdefault(key, threading.Lock())
    with key_lock:
        with _lock:
            found, value = _lookup(key, rev)
            if found:
                return value
        value = compute()
        with _lock:
            _entries[key] = (rev, value)
            _entries.move_to_end(key)
            while len(_entries) > MAX_ENTRIES:
                old, _ = _entries.popitem(last=False)
                _computing.pop(old, None)
    return value


def clear() -> None:
    """Forget every value, and the rendered fragments made from them (core/fragments.py)."""
    with _lock:
        _entries.clear()
        _computing.clear()
    clear_alias("fragments")
