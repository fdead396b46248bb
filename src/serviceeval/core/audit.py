"""The one way to write the audit trail."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.transaction import TransactionManagementError

from . import memo
from .models import AuditEvent

MAINTENANCE_SETTING = "serviceeval.audit_maintenance"


def _jsonable(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "pk"):
        return value.pk
    return value


def audit_record(
    *,
    actor,
    action: str,
    obj,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    agency_id: int | None = None,
) -> AuditEvent:
    if agency_id is None:
        agency_id = getattr(obj, "agency_id", None)
        if agency_id is None and obj.__class__.__name__ == "Agency":
            agency_id = obj.pk
    memo.moved()
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        agency_id=agency_id,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        reason=reason,
    )


def audit_bulk(events: list[AuditEvent]) -> None:
    """For imports: one INSERT for many events (still append-only)."""
    unfetched = {
        e.actor_id
        for e in events
        if e.actor_id and not e.actor_username and not AuditEvent.actor.is_cached(e)
    }
    users = get_user_model()._base_manager.in_bulk(unfetched) if unfetched else {}
    for event in events:
        event.fill_actor_snapshot(users.get(event.actor_id))
    memo.moved()
    AuditEvent.objects.bulk_create(events, batch_size=2000)


@contextmanager
def audit_maintenance(using: str = DEFAULT_DB_ALIAS):
    """Let the current transaction DELETE or TRUNCATE audit rows; UPDATE stays refused.

    For `restore` (it empties the database before loading a verified backup) and the
    test suite's flush (tests/conftest.py), nothing else. The hatch needs an open
    transaction and closes with this block, at the latest with the transaction: on
    PostgreSQL a transaction-local setting read by the trigger function, on SQLite a
    marker row the DELETE trigger looks for, removed again before the block ends.
    """
    connection = connections[using]
    if not connection.in_atomic_block:
        raise TransactionManagementError("audit_maintenance() needs an open transaction")
    marker = None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [MAINTENANCE_SETTING])
        elif connection.vendor == "sqlite":
            cursor.execute("INSERT INTO core_auditmaintenance DEFAULT VALUES")
            marker = cursor.lastrowid
    try:
        yield
    finally:
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("DELETE FROM core_auditmaintenance WHERE id = %s", [marker])
        elif connection.vendor == "postgresql" and not _failed(connection):
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [MAINTENANCE_SETTING])


def _failed(connection) -> bool:
    """A PostgreSQL transaction after an error: it can only roll back (and the
    transaction-local setting goes with it)."""
    from psycopg.pq import TransactionStatus

    return connection.connection.info.transaction_status == TransactionStatus.INERROR


def history_for(obj):
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
