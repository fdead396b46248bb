"""Every URL is classified; every role gets exactly the access its class allows.

A view without `access(...)` fails `test_every_url_is_classified`, so a new page
cannot slip in unguarded. Object-level rules (another agency's object → 404) are
tested beside each app's views.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from serviceeval.accounts.enums import Role
from serviceeval.core.access import PUBLIC, allows
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
    return getattr(callback, "access_level", None) or getattr(view_class, "access_level", None)


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
    if levels == PUBLIC:
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
    user = user_for(role)
    client.force_login(user)
    response = client.get("/" + route)
    if allows(levels, user):  # the same predicate the view asks
        assert response.status_code != 403
        assert response.status_code < 500
    else:
        assert response.status_code == 403


# Object-level cases the classification cannot tell (issue 9, F7 and F11), on the
# world of tests/security/authz_world.py: a first-level agency (parent) with a
# subordinate (child), a reviewer assigned to both. (who, method, target, status);
# targets: the child's improvement item, the evidence of the child's report as a
# draft or once submitted.
OBJECT_CASES = [
    ("child_officer", "get", "improvement", 200),
    ("child_officer", "post", "improvement", 302),
    ("parent_officer", "get", "improvement", 200),  # CITY-6: sees
    ("parent_officer", "post", "improvement", 403),  # F7: does not answer
    ("parent_head", "post", "improvement", 403),
    ("other_officer", "get", "improvement", 404),
    ("reviewer", "get", "improvement", 403),
    ("child_officer", "get", "draft_evidence", 200),
    ("child_head", "get", "draft_evidence", 200),
    ("parent_officer", "get", "draft_evidence", 200),  # CITY-6
    ("office", "get", "draft_evidence", 200),
    ("reviewer", "get", "draft_evidence", 404),  # F11
    ("unassigned", "get", "draft_evidence", 404),
    ("tester", "get", "draft_evidence", 404),
    ("other_officer", "get", "draft_evidence", 404),
    ("reviewer", "get", "submitted_evidence", 200),
    ("unassigned", "get", "submitted_evidence", 404),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who,method,target,expected", OBJECT_CASES, ids=["-".join(c[:3]) for c in OBJECT_CASES]
)
def test_object_level_cases(client, settings, tmp_path, who, method, target, expected):
    from django.urls import reverse

    from serviceeval.submissions.enums import Kind, State
    from tests.security.authz_world import build_world, evidence_in

    settings.MEDIA_ROOT = tmp_path
    w = build_world()
    if target == "improvement":
        url = reverse("reviews:improvement", args=[w.item.pk])
    else:
        state = State.DRAFT if target == "draft_evidence" else State.SUBMITTED
        url = reverse(
            "submissions:evidence", args=[evidence_in(w, kind=Kind.REPORT, state=state).pk]
        )
    user = w.users.get(who) or getattr(w, who)
    client.force_login(user)
    response = getattr(client, method)(url, {"response": "已完成"} if method == "post" else None)
    assert response.status_code == expected
