"""SPEC §5 topology: with REDIS_URL every process shares one cache and the sessions."""

import importlib
import subprocess
import sys

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
