import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# guard would refuse queries there. Tests only, never in the app.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def hsinchu(db):
    from serviceeval.programs.services import program_latest

    return program_latest("hsinchu-105")


@pytest.fixture
def city_program(db):
    from serviceeval.programs.services import program_latest

    return program_latest("city-service-upgrade")


@pytest.fixture(autouse=True)
def _empty_page_caches():
    """Each test starts with no rendered fragment (core/fragments.py): test databases
    roll back, so a revision number can come back with other data behind it."""
    from django.core.cache import caches

    caches["fragments"].clear()
    yield
