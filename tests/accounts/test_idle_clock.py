"""The idle clock is written to the session at most once a minute, not on every page
(SPEC §5 pages: a page view must not be a database write); the timeout still holds."""

import time

import pytest
from django.contrib.sessions.models import Session

from serviceeval.accounts.enums import Role
from serviceeval.accounts.middleware import SESSION_KEY
from tests.factories import user_for

pytestmark = pytest.mark.django_db


def stored(client):
    return Session.objects.get(pk=client.session.session_key).get_decoded().get(SESSION_KEY)


def test_signing_in_starts_the_clock_and_pages_do_not_rewrite_it(client, django_assert_num_queries):
    client.force_login(user_for(Role.TESTER))
    started = stored(client)
    assert started is not None and abs(started - time.time()) < 5
    client.get("/dashboard/")
    session = Session.objects.get(pk=client.session.session_key)
    client.get("/dashboard/")
    assert Session.objects.get(pk=session.pk).expire_date == session.expire_date  # not saved
    assert stored(client) == started


def test_the_clock_moves_once_the_touch_interval_passed(client, settings):
    client.force_login(user_for(Role.TESTER))
    session = client.session
    old = int(time.time()) - settings.SESSION_IDLE_TOUCH_SECONDS - 1
    session[SESSION_KEY] = old
    session.save()
    assert client.get("/dashboard/").status_code == 200
    assert stored(client) > old


def test_a_keep_alive_post_always_moves_the_clock(client):
    client.force_login(user_for(Role.TESTER))
    session = client.session
    session[SESSION_KEY] = int(time.time()) - 10
    session.save()
    assert client.post("/accounts/ping/").status_code == 200
    assert stored(client) >= int(time.time()) - 1


def test_a_get_ping_does_not_keep_the_session_alive(client):
    client.force_login(user_for(Role.TESTER))
    session = client.session
    old = int(time.time()) - 600
    session[SESSION_KEY] = old
    session.save()
    assert client.get("/accounts/ping/").status_code == 200
    assert stored(client) == old
