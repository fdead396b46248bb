import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM
# guard would refuse queries there. Tests only, never in the app.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _flush_through_the_audit_hatch():
    """Transactional tests end with `flush` (DELETE on SQLite, TRUNCATE on PostgreSQL),
    which the audit table's triggers refuse: in the test suite only, each flush runs
    inside the maintenance hatch that `restore` uses (core.audit.audit_maintenance)."""
    from django.db import transaction
    from django.db.backends.base.operations import BaseDatabaseOperations

    from serviceeval.core.audit import audit_maintenance

    original = BaseDatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        alias = self.connection.alias
        with transaction.atomic(using=alias), audit_maintenance(alias):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    BaseDatabaseOperations.execute_sql_flush = original


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
    """Each test starts with no rendered fragment (core/fragments.py) and no counter
    (sign-in and code failures, rate limits, in the default cache): test databases
    roll back, so a revision number or a user id can come back with other data
    behind it. Only this process's keys go (its KEY_PREFIX ends in test<pid>): a
    FLUSHDB would also empty another test run sharing the Redis."""
    from serviceeval.core.cacheclear import clear_alias

    clear_alias("fragments")
    clear_alias("default")
    yield
