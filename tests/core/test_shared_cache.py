"""SPEC §5 topology: with REDIS_URL every process shares one cache and the sessions."""

import importlib
import subprocess
import sys
import uuid

import pytest
from django.conf import settings
from django.core.cache import caches


def test_caches_and_sessions_follow_redis_url():
    if settings.REDIS_URL:
        for alias in ("default", "fragments"):
            assert caches[alias].__class__.__name__ == "RedisCache"
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    else:
        assert caches["default"].__class__.__name__ == "LocMemCache"
        assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_base_settings_take_redis_url(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/5")
    from serviceeval.settings import base

    reloaded = importlib.reload(base)
    try:
        assert reloaded.CACHES["default"]["LOCATION"] == "redis://127.0.0.1:6379/5"
        assert reloaded.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(base)


def test_a_value_cached_in_one_process_is_read_in_another():
    """Another process (a second gunicorn worker or host) reads what this one cached."""
    if not settings.REDIS_URL:
        assert caches["default"].__class__.__name__ == "LocMemCache"
        return  # one process only (`make run`); CI runs this with Redis
    caches["default"].set("shared-probe", "from-parent")
    prefix = settings.CACHES["default"]["KEY_PREFIX"]
    code = (
        "import sys; from django.conf import settings; settings.configure();"
        "from django.core.cache.backends.redis import RedisCache;"
        "c = RedisCache(sys.argv[1], {'KEY_PREFIX': sys.argv[2]});"
        "print(c.get('shared-probe'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, settings.REDIS_URL, prefix],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "from-parent"


@pytest.mark.django_db
def test_api_rate_limit_per_address_answers_429_with_retry_after(client, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = 3
    here, other = f"rl-{uuid.uuid4()}", f"rl-{uuid.uuid4()}"  # counters of no other test
    answers = [client.get("/api/v1/openapi.json", REMOTE_ADDR=here) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[3]["Retry-After"]) <= settings.API_RATE_WINDOW_SECONDS
    # Another address is counted on its own; pages outside the API are not limited.
    assert client.get("/api/v1/openapi.json", REMOTE_ADDR=other).status_code == 200
    assert client.get("/accounts/login/", REMOTE_ADDR=here).status_code == 200


@pytest.mark.django_db
def test_api_rate_limit_per_token_counts_across_addresses(client, settings):
    settings.API_RATE_LIMIT_PER_TOKEN = 2
    headers = {"HTTP_AUTHORIZATION": f"Bearer token-{uuid.uuid4()}"}
    codes = [
        client.get("/api/v1/agencies", REMOTE_ADDR=f"192.0.2.{i}", **headers).status_code
        for i in range(10, 13)
    ]
    assert codes == [401, 401, 429]


def test_clearing_the_fragments_keeps_the_default_cache():
    """Rendered fragments are forgotten; sign-in counters and unread counts stay
    (Django's RedisCache.clear() would flush the whole Redis database)."""
    from serviceeval.core import fragments

    key = f"keep-{uuid.uuid4()}"
    caches["default"].set(key, 7)
    caches["fragments"].set(key, "<p>x</p>")
    fragments.clear()
    assert caches["fragments"].get(key) is None
    assert caches["default"].get(key) == 7


@pytest.mark.django_db
def test_api_rate_limit_says_why_in_zh_hant_or_in_the_chosen_language(client, settings):
    settings.API_RATE_LIMIT_PER_ADDRESS = 1
    here = f"rl-{uuid.uuid4()}"
    answers = [client.get("/api/v1/openapi.json", REMOTE_ADDR=here) for _ in range(2)]
    assert answers[1].status_code == 429
    assert answers[1].json() == {"detail": "請求過於頻繁，請稍後再試"}
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    answer = client.get("/api/v1/openapi.json", REMOTE_ADDR=here)
    assert answer.json() == {"detail": "Too many requests; try again later."}
