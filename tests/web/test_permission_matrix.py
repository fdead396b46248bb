"""Every URL is classified; every role gets exactly the access its class allows.

A view without `access(...)` fails `test_every_url_is_classified`, so a new page
cannot slip in unguarded. Object-level rules (another agency's object → 404) are
tested beside each app's views.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from serviceeval.accounts.enums import Role
from serviceeval.core.access import LOGIN, PUBLIC
from tests.factories import user_for

# Third-party views with their own guards.
EXEMPT_PREFIXES = ("admin/", "i18n/", "api/")  # the API is checked by tests/api


def walk(patterns=None, prefix=""):
    for p in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p


def levels_of(callback):
    view_class = getattr(callback, "view_class", None)
    return getattr(callback, "access_levels", None) or getattr(view_class, "access_levels", None)


def app_urls():
    return [(route, p) for route, p in walk() if not route.startswith(EXEMPT_PREFIXES)]


def test_every_url_is_classified():
    unclassified = [route for route, p in app_urls() if not levels_of(p.callback)]
    assert unclassified == []


def parameterless():
    return [(route, p) for route, p in app_urls() if "<" not in route and p.name not in ("logout",)]


@pytest.mark.django_db
@pytest.mark.parametrize("route,pattern", parameterless(), ids=[r for r, _ in parameterless()])
def test_anonymous_is_sent_to_login_unless_public(client, route, pattern):
    levels = levels_of(pattern.callback)
    response = client.get("/" + route)
    if PUBLIC in levels:
        assert response.status_code in (200, 302, 405)
        if response.status_code == 302:
            assert "/accounts/login/" not in response.url
    else:
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role.values))
@pytest.mark.parametrize("route,pattern", parameterless(), ids=[r for r, _ in parameterless()])
def test_each_role_gets_what_the_classification_allows(client, role, route, pattern):
    levels = levels_of(pattern.callback)
    client.force_login(user_for(role))
    response = client.get("/" + route)
    if PUBLIC in levels or LOGIN in levels or role in levels:
        assert response.status_code != 403
        assert response.status_code < 500
    else:
        assert response.status_code == 403
