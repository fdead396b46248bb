"""Restore drill (SPEC §5 data safety): a dump restores with identical rows, scores included."""

import pytest
from django.core.management import CommandError, call_command

from serviceeval.agencies.models import Group
from serviceeval.core.backup import fingerprint
from serviceeval.cycles.models import Cycle
from serviceeval.demo import build


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
def test_restore_needs_confirmation_and_a_real_backup(tmp_path):
    bad = tmp_path / "bad.json.gz"
    bad.write_bytes(b"not gzip")
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(bad))
    assert (
        str(exc.value)
        == "還原會取代目前所有資料，請加上 --yes 確認 (add --yes to replace all current data)"
    )
    with pytest.raises(CommandError) as exc:
        call_command("restore", str(bad), "--yes")
    assert str(exc.value).startswith("無法讀取備份檔")
