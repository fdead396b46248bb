"""Rendered HTML of the busy pages' read-mostly parts, kept per data revision
(SPEC §5 pages).

A 100-row table costs 10–30 ms to render with Django templates; under 16 concurrent
clients on 2 cores that alone puts the median far above 50 ms. The rows change only
when somebody records something, and every such write is audited (see `core.memo`):
so a rendered table is kept under the newest audit event id (the revision) plus
what makes it differ, and is rendered again only when the revision moved.

    {% load fragments %}
    {% fragment "results-table" cycle.pk group page.number is_office %}
      ... the table ...
    {% endfragment %}

The key always holds: the fragment name, the database, the revision, the active
language and the local date (pages that say "overdue" or "this month"), then the
values given after the name. The caller names everything else the HTML depends on;
in particular who may see what (role, agency, user), after the view has done its
object-level checks (a fragment is only read by a view that already decided the
user may see the page). Never put a form with a CSRF token, a message or anything
secret to one user inside a fragment.

The store is Django's cache `fragments` (settings: a local-memory cache in each
process, LRU, `FRAGMENT_TIMEOUT` seconds): no shared server to run; each gunicorn
worker renders a fragment once per revision.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.utils import timezone
from django.utils.translation import get_language

from .memo import pin, revision

CACHE = "fragments"


def request_revision(request) -> int:
    """The data revision of this request: read once (one primary-key query), before
    the page reads any data, and pinned so `core.memo` uses the same number."""
    if request is None:
        return revision()
    rev = getattr(request, "_serviceeval_revision", None)
    if rev is None:
        rev = pin()
        request._serviceeval_revision = rev
    return rev


def key(name: str, rev: int, parts) -> str:
    raw = repr(
        (
            connection.settings_dict["NAME"],
            rev,
            get_language(),
            timezone.localdate().isoformat(),
            tuple(parts),
        )
    )
    return f"frag:{name}:{hashlib.sha256(raw.encode()).hexdigest()}"


def get(name: str, rev: int, parts):
    return caches[CACHE].get(key(name, rev, parts))


def put(name: str, rev: int, parts, html: str) -> None:
    caches[CACHE].set(key(name, rev, parts), html, getattr(settings, "FRAGMENT_TIMEOUT", 3600))


def cached(name: str, rev: int, parts, compute):
    """`compute()` (rendered HTML, or a dict of rendered HTML pieces), or what it
    returned for the same name, revision and parts: for a page whose read-only pieces
    sit between live inputs (the scoring sheet), one cache read for all of them."""
    value = caches[CACHE].get(key(name, rev, parts))
    if value is None:
        value = compute()
        caches[CACHE].set(key(name, rev, parts), value, getattr(settings, "FRAGMENT_TIMEOUT", 3600))
    return value


def clear() -> None:
    caches[CACHE].clear()


class Lazy:
    """Template context computed on first use: `{{ body.rows }}` calls `compute()` once.
    Inside a `{% fragment %}` that is found, nothing is computed (no queries)."""

    def __init__(self, compute):
        self._compute = compute
        self._value = None

    def _get(self) -> dict:
        if self._value is None:
            self._value = self._compute()
        return self._value

    def __getitem__(self, name):
        return self._get()[name]

    def __contains__(self, name):
        return name in self._get()
