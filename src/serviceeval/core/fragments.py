"""Rendered HTML of the busy pages' read-mostly parts, kept per data generation
(SPEC §5 pages), in Django's cache framework.

A 100-row table costs 10–30 ms to render with Django templates; under 16 concurrent
clients on 2 cores that alone puts the median far above 50 ms. The rows change only
when somebody records something, and every such write is audited (see `core.memo`):
so a rendered table is kept under the data generation (the newest audit event id,
which any process bumps by recording an event) plus what makes it differ.

    {% load fragments %}
    {% fragment "results-table" cycle.pk group page.number office %}
      ... the table ...
    {% endfragment %}

`{% fragment %}` is Django's `{% cache %}` node (`django.templatetags.cache`) with the
cache alias `fragments`, the timeout `FRAGMENT_TIMEOUT`, and the generation folded
into the key: the database, the generation, the active language and the local date
(pages that say "overdue" or "this month"), then the values given after the name.
The caller names everything else the HTML depends on; in particular who may see what
(role, agency, user), after the view has done its object-level checks (a fragment
is only read by a view that already decided the user may see the page). Never put a
form with a CSRF token, a message or anything secret to one user inside a fragment.

Views do nothing for this: `core.memo.RevisionMiddleware` reads the generation at
the start of each request, before any data, and an audited write during the request
moves it. What only a fragment needs goes into the context as Django's
`SimpleLazyObject`, so a found fragment costs no query.

With `REDIS_URL` the cache is Redis, shared by every process and host; without it
(`make run`, one process) each process keeps a local-memory LRU.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.db import connection
from django.templatetags.cache import CacheNode
from django.utils import timezone
from django.utils.translation import get_language

from .cacheclear import clear_alias
from .memo import revision

CACHE = "fragments"


def generation_parts() -> tuple:
    """What every fragment key holds besides its own values."""
    return (
        connection.settings_dict["NAME"],
        revision(),
        get_language(),
        timezone.localdate().isoformat(),
    )


def timeout() -> int:
    return getattr(settings, "FRAGMENT_TIMEOUT", 3600)


def key(name: str, parts) -> str:
    return make_template_fragment_key(name, [generation_parts(), *parts])


def cached(name: str, parts, compute):
    """`compute()` (rendered HTML, or a dict of rendered pieces), or what it returned
    for the same name, generation and parts: for pieces rendered in Python (dashboard
    panels, the read-only parts of the scoring sheet)."""
    cache, k = caches[CACHE], key(name, parts)
    value = cache.get(k)
    if value is None:
        value = compute()
        cache.set(k, value, timeout())
    return value


def clear() -> None:
    """Forget every rendered fragment, and nothing else (core/cacheclear.py)."""
    clear_alias(CACHE)


class _Constant:
    """A resolvable argument of the `{% cache %}` node that is not a template variable."""

    def __init__(self, value_of):
        self.value_of = value_of

    def resolve(self, context):
        return self.value_of()


class FragmentNode(CacheNode):
    """`{% fragment "name" value ... %}`: Django's cache node in the `fragments` cache,
    keyed by the generation parts first."""

    def __init__(self, nodelist, name: str, vary_on):
        super().__init__(
            nodelist,
            expire_time_var=_Constant(timeout),
            fragment_name=name,
            vary_on=[_Constant(generation_parts), *vary_on],
            cache_name=_Constant(lambda: CACHE),
        )
