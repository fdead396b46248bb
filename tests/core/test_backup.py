"""Restore drill (SPEC §5 data safety): a dump restores with identical rows, scores
included, also when it was taken while people work (issue 9, F3); a damaged, edited
or old unkeyed file is refused with one message and nothing changes (F13)."""

import contextlib
import gzip
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from serviceeval.agencies.models import Group
from serviceeval.core.backup import backed_up_models, fingerprint
from serviceeval.cycles.models import Cycle
from serviceeval.demo import build
from serviceeval.reviews.models import Score
from tests.core.backup_clients import score_checksum

ROOT = Path(__file__).resolve().parents[2]
UNCHANGED = "資料庫未變更。"


@pytest.mark.django_db(transaction=True)
def test_backup_restores_identical_data(tmp_path):
    build()
    before = fingerprint()
    path = tmp_path / "backup.json.gz"
    call_command("backup", str(path))
    Cycle.objects.update(name="改過的名稱")
    Group.objects.create(code="99", name="新增的組別")
    assert fingerprint() != before
    call_command("restore", str(path), "--yes")
    assert fingerprint() == before


@pytest.mark.django_db(transaction=True)
def test_restore_needs_confirmation(tmp_path):
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(tmp_path / "none.json.gz"))
    assert str(exc.value) == "還原會取代目前所有資料，請加上 --yes 確認。"


# --- F3: a backup taken while clients write restores -------------------------------


@contextlib.contextmanager
def _scratch_database(tmp_path):
    """A database of its own for processes outside the test (the test suite's SQLite
    database lives in memory): a file beside the test, or a new PostgreSQL database
    on the server the suite uses. Yields its DATABASE_URL."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        yield f"sqlite:///{tmp_path / 'f3.sqlite3'}"
        return
    import psycopg

    name = f"serviceeval_f3_{uuid.uuid4().hex[:12]}"
    server = {
        "host": db["HOST"] or "127.0.0.1",
        "port": db["PORT"] or 5432,
        "user": db["USER"],
        "password": db["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        yield f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _scores_in_backup(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)["data"]
    scores = [
        (o["pk"], o["fields"]["sheet"], o["fields"]["criterion"], o["fields"]["score"])
        for o in data
        if o["model"] == "reviews.score"
    ]
    logins = [(o["pk"], o["fields"]["last_login"]) for o in data if o["model"] == "accounts.user"]
    return score_checksum(scores, logins)


def test_f3_backup_during_writes_restores_identical_checksums(tmp_path):
    """Four clients sign in and change scores while `backup` runs; the backup restores,
    verified, with the scores and sign-ins of its one snapshot."""
    var = tmp_path / "var"
    with _scratch_database(tmp_path) as url:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": "serviceeval.settings.test",
            "SERVICEEVAL_VAR": str(var),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }

        def run(*args):
            return subprocess.run(
                [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
            )

        def client(*args):
            done = run("-m", "tests.core.backup_clients", *args)
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        migrated = run("manage.py", "migrate", "--noinput", "-v0")
        assert migrated.returncode == 0, migrated.stderr
        client("seed")
        stop, logs = tmp_path / "stop", [tmp_path / f"writer{n}.log" for n in range(4)]
        writers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.core.backup_clients", "write", str(stop), str(log)],
                cwd=ROOT,
                env=env,
                stderr=subprocess.PIPE,
                text=True,
            )
            for log in logs
        ]
        try:
            deadline = time.monotonic() + 120
            while not all(log.exists() and log.read_text() for log in logs):
                assert time.monotonic() < deadline, "the writers did not start"
                assert all(w.poll() is None for w in writers), [w.stderr.read() for w in writers]
                time.sleep(0.1)
            backup, window = tmp_path / "backup.json.gz", tmp_path / "backup.log"
            client("backup", str(backup), str(window))
            time.sleep(0.5)
        finally:
            stop.touch()
            errors = [w.communicate(timeout=60)[1] for w in writers]
        assert [w.returncode for w in writers] == [0, 0, 0, 0], errors
        started, ended = map(float, window.read_text().split())
        commits = [float(t) for log in logs for t in log.read_text().split()]
        assert sum(started < t < ended for t in commits) >= 4  # they did write meanwhile

        expected = _scores_in_backup(backup)
        assert client("checksum") != expected  # the writes after the snapshot...
        restored = run("manage.py", "restore", str(backup), "--yes")
        assert (restored.returncode, restored.stderr) == (0, "")
        assert restored.stdout.startswith("已還原：指紋 ")
        assert client("checksum") == expected  # ...are not in the restored data


# --- F13: damaged, edited and old files ---------------------------------------------


def _backup(tmp_path):
    build()
    path = tmp_path / "backup.json.gz"
    call_command("backup", str(path))
    return path


def _payload(path):
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _write(path, payload):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)


def _refused(path):
    """restore's one message (a CommandError: manage.py prints it, no traceback)."""
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(path), "--yes")
    return str(exc.value)


def _unkeyed_sha256():
    """The fingerprint of the old format: sha256 over the rows, anyone can compute it."""
    digest = hashlib.sha256()
    for model in sorted(backed_up_models(), key=lambda m: m._meta.label):
        fields = [f.attname for f in model._meta.concrete_fields]
        digest.update(model._meta.label.encode())
        for row in model._default_manager.order_by("pk").values_list(*fields):
            stable = tuple(
                json.dumps(v, sort_keys=True, ensure_ascii=False)
                if isinstance(v, dict)
                else v.isoformat()
                if hasattr(v, "isoformat")
                else (None if v is None else str(v))
                for v in row
            )
            digest.update(repr(stable).encode())
    return digest.hexdigest()


@pytest.mark.django_db(transaction=True)
def test_f13_truncated_backup_gives_one_message_and_changes_nothing(tmp_path):
    path = _backup(tmp_path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    Group.objects.create(code="99", name="備份後的組別")
    before = fingerprint()
    assert _refused(path) == (
        f"備份檔 {path} 已損毀或不完整（檔案不完整，已被截斷），未還原任何資料，{UNCHANGED}"
    )
    assert fingerprint() == before


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"not gzip", "不是 gzip 壓縮檔，或內容已損毀"),
        (gzip.compress(b"x" * 100)[:-8] + b"\0" * 8, "不是 gzip 壓縮檔，或內容已損毀"),  # bad CRC
        (gzip.compress(b"{'meta': not JSON"), "內容不是 JSON"),
        (gzip.compress(b"\xff\xfe{}"), "內容不是 JSON"),
    ],
)
@pytest.mark.django_db
def test_f13_corrupt_backup_gives_one_message_and_changes_nothing(tmp_path, content, reason):
    build()
    path = tmp_path / "corrupt.json.gz"
    path.write_bytes(content)
    before = fingerprint()
    assert (
        _refused(path) == f"備份檔 {path} 已損毀或不完整（{reason}），未還原任何資料，{UNCHANGED}"
    )
    assert fingerprint() == before


def _plausible():
    """Shaped like a backup (its signature is wrong, told only after the shape)."""
    fields = {"sheet": 1, "criterion": "1.1", "score": "8.00", "comment": ""}
    return {
        "meta": {
            "format": "serviceeval-backup-2",
            "created": "2026-11-22T08:00:00+00:00",
            "fingerprint": "0" * 64,
            "mac": "0" * 64,
            "models": ["reviews.Score"],
        },
        "data": [{"model": "reviews.score", "pk": n, "fields": fields} for n in range(1, 6)],
    }


@pytest.mark.django_db
def test_f13_plausible_but_unsigned_backup_is_refused(tmp_path):
    path = tmp_path / "unsigned.json.gz"
    _write(path, _plausible())
    assert _refused(path).startswith(f"{path} 的簽章不符：")


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda p: [p], "top level: not an object"),
        (lambda p: {"data": p["data"]}, "meta: missing or not an object"),
        (lambda p: {**p, "meta": {**p["meta"], "format": 2}}, "meta.format: missing or not text"),
        (
            lambda p: {**p, "meta": {**p["meta"], "fingerprint": None}},
            "meta.fingerprint: missing or not a SHA-256 hex digest",
        ),
        (
            lambda p: {**p, "meta": {k: v for k, v in p["meta"].items() if k != "mac"}},
            "meta.mac: missing or not a SHA-256 hex digest",
        ),
        (
            lambda p: {**p, "meta": {**p["meta"], "models": "all"}},
            "meta.models: missing or not a list of names",
        ),
        (lambda p: {"meta": p["meta"]}, "data: missing or not a list"),
        (
            lambda p: {**p, "data": [*p["data"][:3], {"model": "reviews.score", "pk": 1}]},
            "data[3]: not an object with model, pk and fields",
        ),
        (
            lambda p: {**p, "data": [["reviews.score", 1, {}]]},
            "data[0]: not an object with model, pk and fields",
        ),
    ],
)
@pytest.mark.django_db
def test_f13_malformed_backup_gives_one_message_and_changes_nothing(tmp_path, edit, problem):
    build()
    path = tmp_path / "malformed.json.gz"
    _write(path, edit(_plausible()))
    Group.objects.create(code="99", name="備份後的組別")
    before = fingerprint()
    assert _refused(path) == f"{path} 不是 serviceeval 備份檔（{problem}）。{UNCHANGED}"
    assert fingerprint() == before


@pytest.mark.django_db(transaction=True)
def test_f13_edited_backup_with_recomputed_sha256_is_refused(tmp_path):
    path = _backup(tmp_path)
    payload = _payload(path)
    row = next(o for o in payload["data"] if o["model"] == "reviews.score" and o["fields"]["score"])
    kept = Decimal(row["fields"]["score"])
    row["fields"]["score"] = "100.00"
    # Whoever edits the file recomputes every plain sha256 the way the old format did.
    Score.objects.filter(pk=row["pk"]).update(score=Decimal("100.00"))
    payload["meta"]["fingerprint"] = _unkeyed_sha256()
    Score.objects.filter(pk=row["pk"]).update(score=kept)
    payload["meta"]["mac"] = hashlib.sha256(json.dumps(payload["data"]).encode()).hexdigest()
    _write(path, payload)
    before = fingerprint()
    assert _refused(path) == (
        f"{path} 的簽章不符：檔案在備份後被修改過，或是以另一把 BACKUP_HMAC_KEY 寫出。"
        f"不予還原，{UNCHANGED}"
    )
    assert fingerprint() == before
    assert Score.objects.get(pk=row["pk"]).score == kept


@pytest.mark.django_db(transaction=True)
def test_f13_backup_written_with_another_key_is_refused(tmp_path, settings):
    settings.BACKUP_HMAC_KEY = "the key of another installation, 32+ characters long"
    path = _backup(tmp_path)
    settings.BACKUP_HMAC_KEY = "this installation's own key, kept apart from the backups"
    Group.objects.create(code="99", name="備份後的組別")
    before = fingerprint()
    assert _refused(path).startswith(f"{path} 的簽章不符：")
    assert fingerprint() == before


@pytest.mark.django_db(transaction=True)
def test_f13_old_unkeyed_backup_is_refused(tmp_path):
    path = _backup(tmp_path)
    payload = _payload(path)
    meta = payload["meta"]
    payload["meta"] = {
        "format": "serviceeval-backup-1",
        "fingerprint": _unkeyed_sha256(),
        "models": meta["models"],
    }
    _write(path, payload)
    Group.objects.create(code="99", name="備份後的組別")
    before = fingerprint()
    assert _refused(path) == (
        f"{path} 是舊格式的備份（serviceeval-backup-1），指紋未以金鑰保護，無法證明未被修改，"
        f"因此不予還原。{UNCHANGED}請以寫出此備份的版本還原後重新備份（見 docs/OPERATIONS.md）。"
    )
    assert fingerprint() == before


def test_f13_bad_backup_through_manage_py_is_one_line_without_traceback(tmp_path):
    path = tmp_path / "cut.json.gz"
    path.write_bytes(gzip.compress(b'{"meta": {}, "data": []}' * 50)[:40])
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.sqlite3'}",
        "SERVICEEVAL_VAR": str(tmp_path / "var"),
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "restore", str(path), "--yes"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        1,
        "",
        f"CommandError: 備份檔 {path} 已損毀或不完整（檔案不完整，已被截斷），"
        f"未還原任何資料，{UNCHANGED}\n",
    )
    assert not (tmp_path / "untouched.sqlite3").exists()
