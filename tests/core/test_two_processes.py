"""SPEC §5 topology, proven: two gunicorn processes on different ports against the same
database and the same Redis (REDIS_URL, as in CI; without it the test starts Debian's
`redis-server` on a free port) agree on sign-outs, lockouts, rate limits and data.
Nothing that must be shared lives in one process's memory."""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from tests.factories import AgencyFactory, UserFactory
from tests.reviews.helpers import leaves, setup_cycle

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Two-processes-2026!"


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, env):
        self.port = _free_port()
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "serviceeval.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=10)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Browser:
    """One person's cookies, used against either server."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def get(self, server, path):
        return self._open(urllib.request.Request(server.url + path))

    def post(self, server, path, data):
        page = self.get(server, "/accounts/login/" if "login" in path else "/dashboard/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page[1])
        csrf = token.group(1) if token else self._cookie("csrftoken")
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": csrf}).encode()
        request = urllib.request.Request(server.url + path, data=body)
        request.add_header("Referer", server.url + path)
        return self._open(request)

    def _cookie(self, name):
        return next((c.value for c in self.jar if c.name == name), "")

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def redis_url():
    if settings.REDIS_URL:
        yield settings.REDIS_URL
        return
    port = _free_port()
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
        + ["--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        redis.terminate()
        redis.wait(timeout=10)


@pytest.fixture
def servers(redis_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "serviceeval.settings.base",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "CACHE_KEY_PREFIX": f"two-processes-{os.getpid()}",
        "PYTHONPATH": str(ROOT / "src"),
        "API_RATE_LIMIT_PER_ADDRESS": "4",
        "API_RATE_WINDOW_SECONDS": "86400",  # no window boundary inside the test
    }
    started = []
    try:
        for _ in range(2):
            started.append(Server(env))
        yield started
    finally:
        for server in started:
            server.stop()


def _row(page, name):
    found = re.search(r"<tr[^>]*>(?:(?!</tr>).)*" + re.escape(name) + r".*?</tr>", page, re.S)
    assert found, f"{name} not listed"
    return found.group(0)


def _user(username, **kw):
    user = UserFactory(username=username, **kw)
    # The servers hash with their own settings: a hasher they know, not the tests MD5.
    user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_sign_out_lockout_and_data(servers):
    a, b = servers
    _user("twoproc", role="coordinator")
    _user("victim", role="coordinator")
    agency = AgencyFactory(name="雙程序測試機關")

    person = Browser()
    assert (
        person.post(a, "/accounts/login/", {"username": "twoproc", "password": PASSWORD})[0] == 302
    )
    assert person.get(b, "/dashboard/")[0] == 200
    # A write through one process shows on the other's next page (the agency list is
    # a rendered fragment kept per data revision).
    assert "整體服務類" in _row(person.get(b, "/agencies/")[1], agency.name)
    moved = person.post(
        a, f"/agencies/{agency.pk}/category/", {"category": "project", "reason": "改列專案"}
    )
    assert moved[0] == 302
    assert "專案規劃類" in _row(person.get(b, "/agencies/")[1], agency.name)

    # Signed out on one means signed out on the other.
    assert person.post(a, "/accounts/logout/", {})[0] == 302
    assert person.get(b, "/dashboard/")[0] == 302

    # Five failures spread over both lock the account on both.
    attacker = Browser()
    for i in range(5):
        attacker.post((a, b)[i % 2], "/accounts/login/", {"username": "victim", "password": "x"})
    for server in (a, b):
        status, page = Browser().post(
            server, "/accounts/login/", {"username": "victim", "password": PASSWORD}
        )
        assert (status, "帳號已鎖定 15 分鐘" in page) == (200, True)

    # The API rate limit counts across both (in Redis).
    codes = [Browser().get((a, b)[i % 2], "/api/v1/openapi.json")[0] for i in range(5)]
    assert codes == [200, 200, 200, 200, 429]


@pytest.mark.django_db(transaction=True)
def test_a_score_saved_through_one_is_on_the_others_next_results_page(servers):
    """The results page of one process is rendered from fragments and an aggregate
    memo keyed by the data revision: a sheet submitted through the other moves it."""
    a, b = servers
    cycle, (agency,), (reviewer,), office = setup_cycle(1, 1)
    for user in (reviewer, office):
        user.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
        user.save()
    office_browser, reviewer_browser = Browser(), Browser()
    for browser, user in ((office_browser, office), (reviewer_browser, reviewer)):
        login = {"username": user.username, "password": PASSWORD}
        assert browser.post(a, "/accounts/login/", login)[0] == 302
    results = f"/reviews/cycles/{cycle.year}/results/"
    status, before = office_browser.get(b, results)
    assert status == 200 and "甲等" not in before

    sheet = f"/reviews/cycles/{cycle.year}/agencies/{agency.pk}/sheet/first/"
    data = {"version": "1", "action": "submit", "confirmed": "1"}  # past the confirmation
    for leaf in leaves(cycle):
        data[f"score_{leaf.code}"] = str(int(leaf.max_points * Decimal("0.85")))
        data[f"comment_{leaf.code}"] = f"意見 {leaf.code}"
    assert reviewer_browser.post(a, sheet, data)[0] == 302

    status, after = office_browser.get(b, results)
    assert status == 200 and "甲等" in _row(after, agency.name)
