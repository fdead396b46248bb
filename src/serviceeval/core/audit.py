"""The one way to write the audit trail."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .models import AuditEvent


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
    AuditEvent.objects.bulk_create(events, batch_size=2000)


def history_for(obj):
    return AuditEvent.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
