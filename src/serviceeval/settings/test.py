import os
import tempfile

from .base import *  # noqa: F403

DEBUG = False
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
# Argon2 stays the production hasher (asserted by a security test); tests use a
# fast one so the suite does not spend its time hashing.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# SQLite tests use a file in WAL mode, as `make run` does: the shared-cache
# in-memory database answers parallel writers with "table is locked" instead of
# waiting for the lock, so the concurrency tests (lockout burst, backups while
# writing) could not run against it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405 (from base via *)
    # One file per test process, so parallel runs never share it.
    DATABASES["default"]["TEST"] = {  # noqa: F405 (from base via *)
        "NAME": os.path.join(tempfile.gettempdir(), f"serviceeval-test-{os.getpid()}.sqlite3")
    }
# With REDIS_URL (CI), each test process keeps its own key prefix in the shared Redis.
for _cache in CACHES.values():  # noqa: F405 (from base via *)
    if "KEY_PREFIX" in _cache:
        _cache["KEY_PREFIX"] += f":test{os.getpid()}"
# The suite sends thousands of API requests from one address within a minute;
# tests of the limit lower it themselves.
API_RATE_LIMIT_PER_ADDRESS = API_RATE_LIMIT_PER_TOKEN = 1_000_000
