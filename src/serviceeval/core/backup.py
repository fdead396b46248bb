"""Backup and restore of everything serviceeval stores (SPEC §5 data safety).

A backup is Django's JSON serialisation of the project's tables (plus users and
tasks), gzip-compressed, with a fingerprint of every row so a restore can prove
it is identical. Uploaded files under MEDIA_ROOT are not inside the dump: copy
that folder beside it (documented in docs/OPERATIONS.md).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

from django.apps import apps
from django.core import serializers
from django.core.management import call_command
from django.db import connection, transaction

EXCLUDED = {"contenttypes", "auth", "sessions", "admin"}


def backed_up_models():
    models = []
    for config in apps.get_app_configs():
        if config.label in EXCLUDED:
            continue
        for model in config.get_models():
            if not model._meta.managed or model._meta.proxy:
                continue
            models.append(model)
    return models


def fingerprint() -> str:
    """sha256 over every row of every backed-up table, in primary-key order."""
    digest = hashlib.sha256()
    for model in sorted(backed_up_models(), key=lambda m: m._meta.label):
        fields = [f.attname for f in model._meta.concrete_fields]
        digest.update(model._meta.label.encode())
        for row in (
            model._default_manager.order_by("pk").values_list(*fields).iterator(chunk_size=5000)
        ):
            digest.update(repr(tuple(_stable(v) for v in row)).encode())
    return digest.hexdigest()


def _stable(value):
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if value is not None else None


def backup_write(path: str | Path) -> dict:
    models = backed_up_models()
    objects = (
        obj
        for model in models
        for obj in model._default_manager.order_by("pk").iterator(chunk_size=2000)
    )
    data = serializers.serialize("python", objects)
    meta = {
        "format": "serviceeval-backup-1",
        "fingerprint": fingerprint(),
        "models": [m._meta.label for m in models],
    }
    # Not DjangoJSONEncoder: it cuts datetimes to milliseconds, and the restore must be exact.
    payload = json.dumps({"meta": meta, "data": data}, ensure_ascii=False, default=_exact)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(payload)
    return meta


def _exact(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # Decimal, UUID: their exact text


class RestoreError(Exception):
    pass


def backup_restore(path: str | Path) -> dict:
    """Replace the database content with the backup; refuse when the restored
    rows do not fingerprint exactly like the backup's (nothing is kept then)."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            payload = json.load(fh)
    except (OSError, ValueError) as exc:
        raise RestoreError(f"無法讀取備份檔 {path}: {exc} (unreadable backup)") from exc
    meta = payload.get("meta", {})
    if meta.get("format") != "serviceeval-backup-1":
        raise RestoreError("不是 serviceeval 備份檔 (not a serviceeval backup)")
    with transaction.atomic():
        call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
        objects = serializers.deserialize("python", payload["data"], ignorenonexistent=False)
        for obj in objects:
            obj.save()
        _reset_sequences()
        restored = fingerprint()
        if restored != meta["fingerprint"]:
            raise RestoreError(
                f"還原後資料指紋不符 (fingerprint mismatch: {restored} != {meta['fingerprint']})"
            )
    return meta


def _reset_sequences():
    from django.core.management.color import no_style

    statements = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
