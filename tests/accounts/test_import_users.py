"""Issue 11 item 4: `import_users FILE.csv|.xlsx|.ods` (username,name,role,agency,email)."""

import re
import subprocess
import sys

import pytest
import xlsxwriter
from django.core import mail
from django.core.management import CommandError, call_command

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.core.models import AuditEvent
from serviceeval.exports.writers import Sheet, write_ods
from tests.factories import AgencyFactory, user_for

pytestmark = pytest.mark.django_db

HEADER = ["username", "name", "role", "agency", "email"]


@pytest.fixture
def agency():
    return AgencyFactory(code="380010000A")


def rows(agency):
    return [
        ["chen", "陳一", "agency_officer", agency.code, "chen@example.gov.tw"],
        ["lin", "林二", "reviewer", "", "lin@example.gov.tw"],
        ["wu", "吳三", "tester", "", ""],
    ]


def write_csv(path, data):
    path.write_text("\n".join(",".join(r) for r in [HEADER, *data]) + "\n", encoding="utf-8")


def write_xlsx(path, data):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for i, row in enumerate([HEADER, *data]):
        sheet.write_row(i, 0, row)
    book.close()


def run(path, capsys, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_users", str(path))
    return capsys.readouterr().out


@pytest.mark.parametrize("kind", ["csv", "xlsx", "ods"])
def test_import_creates_accounts_and_mails_new_ones_once(
    tmp_path, capsys, django_capture_on_commit_callbacks, agency, kind
):
    path = tmp_path / f"users.{kind}"
    if kind == "csv":
        write_csv(path, rows(agency))
    elif kind == "xlsx":
        write_xlsx(path, rows(agency))
    else:
        path.write_bytes(write_ods([Sheet("帳號", HEADER, rows(agency))]))
    out = run(path, capsys, django_capture_on_commit_callbacks)
    assert "新增 3" in out and "更新 0" in out and "未變更 0" in out
    chen = User.objects.get(username="chen")
    assert (chen.last_name, chen.role, chen.agency, chen.email) == (
        "陳一",
        Role.AGENCY_OFFICER,
        agency,
        "chen@example.gov.tw",
    )
    assert not chen.has_usable_password()
    assert sorted(m.to[0] for m in mail.outbox) == ["chen@example.gov.tw", "lin@example.gov.tw"]
    assert AuditEvent.objects.filter(action="account_created").count() == 3
    assert "password" not in out.lower() or "密碼" in out  # never a password printed

    # Re-import: nothing duplicated, nothing mailed again.
    out = run(path, capsys, django_capture_on_commit_callbacks)
    assert "新增 0" in out and "未變更 3" in out
    assert User.objects.filter(username__in=["chen", "lin", "wu"]).count() == 3
    assert len(mail.outbox) == 2


def test_reimport_updates(tmp_path, capsys, django_capture_on_commit_callbacks, agency):
    path = tmp_path / "users.csv"
    write_csv(path, rows(agency))
    run(path, capsys, django_capture_on_commit_callbacks)
    other = AgencyFactory(code="380020000B")
    changed = rows(agency)
    changed[0] = ["CHEN", "陳一", "agency_head", other.code, "chen2@example.gov.tw"]
    write_csv(path, changed)
    out = run(path, capsys, django_capture_on_commit_callbacks)
    assert "新增 0" in out and "更新 1" in out and "未變更 2" in out
    chen = User.objects.get(username="chen")
    assert (chen.role, chen.agency, chen.email) == (
        Role.AGENCY_HEAD,
        other,
        "chen2@example.gov.tw",
    )
    assert AuditEvent.objects.filter(action="account_changed", object_id=str(chen.pk)).exists()


def test_bad_rows_store_nothing_and_name_each_row(tmp_path, capsys, agency):
    user_for(Role.REVIEWER, username="kept", email="kept@example.gov.tw")
    path = tmp_path / "users.csv"
    write_csv(
        path,
        [
            ["ok", "好", "reviewer", "", "ok@example.gov.tw"],
            ["a", "甲", "boss", "", ""],
            ["b", "乙", "agency_officer", "", ""],
            ["c", "丙", "agency_head", "NOPE", ""],
            ["d", "丁", "tester", "", "not-an-address"],
            ["ok", "好", "reviewer", "", ""],
        ],
    )
    with pytest.raises(CommandError):
        call_command("import_users", str(path))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 5
    assert lines[0].startswith("第 3 列") and "boss" in lines[0]
    assert lines[1].startswith("第 4 列") and "機關代碼" in lines[1]
    assert lines[2].startswith("第 5 列") and "NOPE" in lines[2]
    assert lines[3].startswith("第 6 列") and "not-an-address" in lines[3]
    assert lines[4].startswith("第 7 列") and "第 2 列" in lines[4]
    assert not User.objects.filter(username="ok").exists()
    assert len(mail.outbox) == 0


def test_missing_column_is_refused(tmp_path):
    path = tmp_path / "users.csv"
    path.write_text("username,name,role\nx,甲,tester\n", encoding="utf-8")
    with pytest.raises(CommandError, match="email"):
        call_command("import_users", str(path))


def test_exit_code_is_1_on_bad_rows(tmp_path):
    path = tmp_path / "users.csv"
    write_csv(path, [["a", "甲", "boss", "", ""]])
    done = subprocess.run(
        [sys.executable, "manage.py", "import_users", str(path)],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "SERVICEEVAL_VAR": str(tmp_path)},
    )
    assert done.returncode == 1


def test_the_mailed_link_sets_a_password(
    client, tmp_path, capsys, django_capture_on_commit_callbacks, agency
):
    path = tmp_path / "users.csv"
    write_csv(path, rows(agency)[:1])
    run(path, capsys, django_capture_on_commit_callbacks)
    link = re.search(r"/accounts/password/reset/\S+/", mail.outbox[0].body).group(0)
    form = client.get(link, follow=True)
    password = "Chen-new-pass-2026!"
    done = client.post(
        form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302
    assert User.objects.get(username="chen").check_password(password)
