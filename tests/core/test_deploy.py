"""`manage.py check --deploy` is clean with production settings (SPEC §5 security)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "serviceeval.settings.production",
        "SECRET_KEY": "p" * 40 + "-production-secret-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "serviceeval.example.gov.tw",
        "SERVICEEVAL_VAR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_settings_refuse_a_missing_secret_key(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "serviceeval.settings.production",
        "SECRET_KEY": "",
        "SERVICEEVAL_VAR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "SECRET_KEY must be set" in result.stderr


def test_email_url_configures_smtp(tmp_path):
    """issue 13 item 6: production mail goes through SMTP named by EMAIL_URL."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "serviceeval.settings.production",
        "SECRET_KEY": "p" * 40 + "-production-secret-for-the-check-only-0123456789",
        "ALLOWED_HOSTS": "serviceeval.example.gov.tw",
        "SERVICEEVAL_VAR": str(tmp_path),
        "EMAIL_URL": "smtp+tls://clerk%40city:pa%3Ass@mail.city.gov.tw:2525",
    }
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
        "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.city.gov.tw",
        "2525",
        "clerk@city",
        "pa:ss",
        "True",
        "False",
    ]


def test_debug_is_off_unless_asked_for(tmp_path):
    """issue 15 item 6: `make run` (base settings, no DEBUG set) runs with DEBUG off."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(
        DJANGO_SETTINGS_MODULE="serviceeval.settings.base",
        SERVICEEVAL_VAR=str(tmp_path),
        PYTHONPATH=str(ROOT / "src"),
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
