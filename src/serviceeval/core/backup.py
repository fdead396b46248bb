"""Backup and restore of everything serviceeval stores (SPEC §5 data safety).

A backup is Django's JSON serialisation of the project's tables (plus users and
tasks), gzip-compressed, with two HMAC-SHA256 values keyed with BACKUP_HMAC_KEY,
a key kept outside the backup (docs/OPERATIONS.md):

- `fingerprint`, over every row in primary-key order: the restored database must
  give the same, so a restore proves it is identical;
- `mac`, over the file's content: a file edited after the backup (a score changed,
  a fingerprint recomputed) is refused before the database is touched.

Everything, fingerprint included, is read in one snapshot (finding F3: a backup
taken while people work must restore): a REPEATABLE READ, READ ONLY transaction on
PostgreSQL, one deferred read transaction on SQLite (WAL: writers go on meanwhile).
Uploaded files under MEDIA_ROOT are not inside the dump: copy that folder beside it.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import zlib
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.management import call_command
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_maintenance

EXCLUDED = {"contenttypes", "auth", "sessions", "admin"}
FORMAT = "serviceeval-backup-2"
UNKEYED_FORMATS = {"serviceeval-backup-1"}  # plain sha256, before finding F13
_HEX64 = frozenset("0123456789abcdef")


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


def backup_key() -> bytes:
    """BACKUP_HMAC_KEY, or when unset a key derived from SECRET_KEY:
    HMAC-SHA256(SECRET_KEY, "serviceeval.core.backup")."""
    key = getattr(settings, "BACKUP_HMAC_KEY", "")
    if key:
        return key.encode()
    return hmac.new(
        settings.SECRET_KEY.encode(), b"serviceeval.core.backup", hashlib.sha256
    ).digest()


def fingerprint(using: str = DEFAULT_DB_ALIAS) -> str:
    """HMAC-SHA256 over every row of every backed-up table, in primary-key order.
    Consistent only inside one snapshot (`read_snapshot`) while others write."""
    digest = hmac.new(backup_key(), digestmod=hashlib.sha256)
    for model in sorted(backed_up_models(), key=lambda m: m._meta.label):
        fields = [f.attname for f in model._meta.concrete_fields]
        digest.update(model._meta.label.encode())
        rows = (
            model._default_manager.using(using)
            .order_by("pk")
            .values_list(*fields)
            .iterator(chunk_size=5000)
        )
        for row in rows:
            digest.update(repr(tuple(_stable(v) for v in row)).encode())
    return digest.hexdigest()


def _stable(value):
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value) if value is not None else None


@contextmanager
def read_snapshot(using: str = DEFAULT_DB_ALIAS):
    """One read-only transaction: every query inside sees the same committed state.

    On SQLite the project's transactions start with BEGIN IMMEDIATE (the write lock,
    settings/base.py); this one begins DEFERRED and reads at once, so the snapshot
    is fixed without taking the lock and writers are not held up (WAL)."""
    connection = connections[using]
    if connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "read_snapshot() opens its own transaction: call it outside one"
        )
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        mode = connection.transaction_mode
        connection.transaction_mode = "DEFERRED"
        try:
            with transaction.atomic(using=using):
                connection.transaction_mode = mode
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*) FROM sqlite_master")
                yield
        finally:
            connection.transaction_mode = mode
    elif connection.vendor == "postgresql":
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        with transaction.atomic(using=using):
            yield


def backup_write(path: str | Path, using: str = DEFAULT_DB_ALIAS) -> dict:
    models = backed_up_models()
    with read_snapshot(using):
        objects = (
            obj
            for model in models
            for obj in model._default_manager.using(using).order_by("pk").iterator(chunk_size=2000)
        )
        data = serializers.serialize("python", objects)
        rows = fingerprint(using)
    meta = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "fingerprint": rows,
        "models": [m._meta.label for m in models],
    }
    meta["mac"] = _mac(meta, data)
    # Not DjangoJSONEncoder: it cuts datetimes to milliseconds, and the restore must be exact.
    payload = json.dumps({"meta": meta, "data": data}, ensure_ascii=False, default=_exact)
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(payload)
    return meta


def _exact(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)  # Decimal, UUID: their exact text


def _mac(meta: dict, data: list) -> str:
    """HMAC-SHA256 of the content in a canonical JSON form: the rows as written
    (datetimes, decimals as their exact text) encode the same as the rows read back."""
    signed = {key: value for key, value in meta.items() if key != "mac"}
    encoder = json.JSONEncoder(
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_exact
    )
    digest = hmac.new(backup_key(), digestmod=hashlib.sha256)
    for chunk in encoder.iterencode([signed, data]):
        digest.update(chunk.encode())
    return digest.hexdigest()


class RestoreError(Exception):
    """A backup that is not restored; the message says why, the database is unchanged."""


def backup_read(path: str | Path) -> dict:
    """The verified content of a backup file, or RestoreError with one message."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise RestoreError(
            _("Cannot read the backup file %(path)s: %(error)s. The database is unchanged.")
            % {"path": path, "error": exc.strerror or exc}
        ) from exc
    try:
        text = gzip.decompress(raw)
    except EOFError as exc:
        raise RestoreError(_damaged(path, _("the file is cut short"))) from exc
    except (OSError, zlib.error) as exc:
        raise RestoreError(_damaged(path, _("not a gzip file, or its content is corrupt"))) from exc
    try:
        payload = json.loads(text.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise RestoreError(_damaged(path, _("the content is not JSON"))) from exc
    problem = _shape_problem(payload)
    if problem:
        raise RestoreError(
            _("%(path)s is not a serviceeval backup (%(problem)s). The database is unchanged.")
            % {"path": path, "problem": problem}
        )
    meta = payload["meta"]
    if meta["format"] in UNKEYED_FORMATS:
        raise RestoreError(
            _(
                "%(path)s is an old backup (%(format)s) whose fingerprint has no key: it cannot prove it was not edited, so it is not restored. The database is unchanged. Restore it with the release that wrote it, then take a new backup (docs/OPERATIONS.md)."
            )
            % {"path": path, "format": meta["format"]}
        )
    if meta["format"] != FORMAT:
        raise RestoreError(
            _("%(path)s is a backup of an unknown format (%(format)s). The database is unchanged.")
            % {"path": path, "format": meta["format"]}
        )
    if not hmac.compare_digest(_mac(meta, payload["data"]), meta["mac"]):
        raise RestoreError(
            _(
                "The signature of %(path)s does not match: the file was changed after the backup, or it was written with another BACKUP_HMAC_KEY. It is not restored; the database is unchanged."
            )
            % {"path": path}
        )
    return payload


def _damaged(path, reason) -> str:
    return _(
        "The backup file %(path)s is damaged or incomplete (%(reason)s). Nothing was restored; the database is unchanged."
    ) % {"path": path, "reason": reason}


def _shape_problem(payload) -> str:
    """What is missing or of the wrong type (key names, untranslated), or ''."""
    if not isinstance(payload, dict):
        return "top level: not an object"
    meta, data = payload.get("meta"), payload.get("data")
    if not isinstance(meta, dict):
        return "meta: missing or not an object"
    if not isinstance(meta.get("format"), str):
        return "meta.format: missing or not text"
    if meta["format"] in UNKEYED_FORMATS or meta["format"] != FORMAT:
        return ""  # told apart by the caller
    for key in ("fingerprint", "mac"):
        value = meta.get(key)
        if not (isinstance(value, str) and len(value) == 64 and set(value) <= _HEX64):
            return f"meta.{key}: missing or not a SHA-256 hex digest"
    if not isinstance(meta.get("models"), list) or not all(
        isinstance(label, str) for label in meta["models"]
    ):
        return "meta.models: missing or not a list of names"
    if not isinstance(data, list):
        return "data: missing or not a list"
    for n, item in enumerate(data):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("model"), str)
            and isinstance(item.get("fields"), dict)
            and "pk" in item
        ):
            return f"data[{n}]: not an object with model, pk and fields"
    return ""


def backup_restore(path: str | Path, using: str = DEFAULT_DB_ALIAS) -> dict:
    """Replace the database content with the backup; refuse when the file is not an
    intact backup written with this key, or when the restored rows do not fingerprint
    exactly like the backup's (all-or-nothing: nothing is kept then)."""
    payload = backup_read(path)
    meta = payload["meta"]
    with transaction.atomic(using=using):
        # The one place the audit table may be emptied (core.audit.audit_maintenance).
        with audit_maintenance(using):
            call_command(
                "flush", interactive=False, inhibit_post_migrate=True, verbosity=0, database=using
            )
        try:
            with transaction.atomic(using=using):
                objects = serializers.deserialize(
                    "python", payload["data"], using=using, ignorenonexistent=False
                )
                for obj in objects:
                    obj.save(using=using)
                _reset_sequences(using)
        except (DeserializationError, DatabaseError, LookupError, TypeError, ValueError) as exc:
            raise RestoreError(
                _(
                    "The rows of %(path)s do not load into this database (%(error)s); perhaps the backup is from another release. Everything was rolled back; the database is unchanged."
                )
                % {"path": path, "error": exc}
            ) from exc
        restored = fingerprint(using)
        if not hmac.compare_digest(restored, meta["fingerprint"]):
            raise RestoreError(
                _(
                    "The restored data do not match the backup's fingerprint (%(restored)s, expected %(expected)s). Everything was rolled back; the database is unchanged."
                )
                % {"restored": restored, "expected": meta["fingerprint"]}
            )
    return meta


def _reset_sequences(using: str):
    from django.core.management.color import no_style

    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), backed_up_models())
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
