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
