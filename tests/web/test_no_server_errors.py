"""No request ends in a 500 (brief, SPEC §5 "bad input").

A crawler over every URL pattern of the app, on the demo data: each role (and
an anonymous visitor) GETs every page with real object ids and with ids that do
not exist, then POSTs to it empty and with hostile values in every field the page's
form names. Any status ≥ 500 (or an exception escaping a view) fails, and the
failure lists every offending request at once.
"""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.test import Client

from serviceeval.agencies.models import Agency
from tests.web.test_permission_matrix import app_urls

MISSING = 999_999
FIELD_RE = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
HOSTILE = ["-1", "9" * 40, "1e309", "2.5", "abc<script>'\"；--", "x" * 5000]

# Which model a <pk> / <evidence_id> names, by route prefix.
PK_MODEL = [
    ("agencies/", "agencies.Agency"),
    ("programs/", "programs.Program"),
    ("submissions/evidence/", "submissions.Evidence"),
    ("reviews/sheets/", "reviews.Sheet"),
    ("reviews/improvements/", "reviews.Improvement"),
    ("fieldtests/visit/", "fieldtests.MysteryVisit"),
    ("fieldtests/phone/", "fieldtests.PhoneTest"),
    ("fieldtests/photo/", "fieldtests.VisitPhoto"),
    ("rewards/entries/", "rewards.RewardEntry"),
    ("rewards/award/", "rewards.Nomination"),
]
# Query parameters the list pages read (filters, paging), fuzzed on every page.
QUERY_PARAMS = ["cycle", "page", "group", "kind", "category", "status", "agency", "round", "q"]
ROLES = ["office", "officer", "head", "officer2", "city-officer", "reviewer", "tester", None]
# Roles whose forms differ get every hostile value; the others check access only
# (GET and an empty POST), which keeps the crawl inside CI's time.
FUZZ_ROLES = {"office", "officer", "reviewer", "tester"}


def first_pk(label):
    model = apps.get_model(label)
    return model.objects.order_by("pk").values_list("pk", flat=True).first() or 1


def fillings(route):
    """Two sets of URL kwargs: ids that exist in the demo data, and ids that don't."""
    agency = Agency.objects.get(code="HC-101").pk
    city = Agency.objects.get(code="CT-100").pk
    pk_label = next((label for prefix, label in PK_MODEL if route.startswith(prefix)), None)
    real = {
        "year": 116 if route.startswith(("fieldtests/", "rewards/")) else 105,
        "agency_id": city if route.startswith(("fieldtests/", "rewards/")) else agency,
        "kind": "report",
        "fmt": "xlsx",
        "round": "first",
        "pk": first_pk(pk_label) if pk_label else 1,
        "other_pk": first_pk(pk_label) if pk_label else 1,  # programs/<pk>/compare/
        "evidence_id": first_pk("reviews.ImprovementEvidence"),
        "uidb64": "MQ",
        "token": "bad-token",
    }
    bogus = {
        "year": 1,
        "agency_id": MISSING,
        "kind": "nonsense",
        "fmt": "exe",
        "round": "nonsense",
        "pk": MISSING,
        "other_pk": MISSING,
        "evidence_id": MISSING,
        "uidb64": "!!",
        "token": "x",
    }
    return real, bogus


def url_for(route, values):
    def sub(m):
        return str(values[m.group(1)])

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", sub, route)


def crawl(client, fuzz):
    failures = []

    def hit(method, url, data=None):
        try:
            response = getattr(client, method)(url, data or {})
        except Exception as exc:  # noqa: BLE001 - a view raising is the failure we look for
            failures.append(f"{method.upper()} {url}: {type(exc).__name__}: {exc}"[:300])
            return None
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url}: {response.status_code}")
        return response

    for route, pattern in app_urls():
        if pattern.name in ("logout",):
            continue
        for bogus, values in enumerate(fillings(route)):
            url = url_for(route, values)
            response = hit("get", url)
            fields = []
            page_ok = response is not None and response.status_code == 200
            if page_ok and "text/html" in response.get("Content-Type", ""):
                fields = sorted(set(FIELD_RE.findall(response.content.decode())))
            fields = [f for f in fields if f != "csrfmiddlewaretoken"]
            hit("post", url)
            if not fuzz or bogus:
                continue
            for value in HOSTILE if fields else []:
                hit("post", url, dict.fromkeys(fields, value))
            if page_ok:
                for value in HOSTILE[1::3]:
                    hit("get", url, dict.fromkeys([*fields, *QUERY_PARAMS], value))
    return failures


@pytest.mark.django_db
@pytest.mark.parametrize("username", ROLES, ids=[r or "anonymous" for r in ROLES])
def test_no_url_answers_a_server_error_for_any_role_or_input(username):
    from serviceeval.accounts.models import User
    from serviceeval.demo import build

    build()
    client = Client(raise_request_exception=True)
    if username:
        client.force_login(User.objects.get(username=username))
    failures = crawl(client, fuzz=username in FUZZ_ROLES)
    assert failures == [], "\n".join(failures)
