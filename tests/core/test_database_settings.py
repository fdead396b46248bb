"""The database connection's settings (docs/OPERATIONS.md, docs/REVIEWS.md)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_each_connection_gets_its_settings():
    """PostgreSQL: `work_mem` from PG_WORK_MEM (16MB), so the results aggregate of a
    national cycle hashes in memory. SQLite: WAL, readers never wait for a writer."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW work_mem")
            assert cursor.fetchone()[0] == "16MB"
        else:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] in ("wal", "memory")  # the test database is in memory
