"""Issue 11 item 4: `python manage.py import_users FILE.csv|.xlsx|.ods`."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.accounts.services import IMPORT_COLUMNS, users_import
from serviceeval.core.tabular import TabularError, read_rows


class Command(BaseCommand):
    help = (
        "Create or update accounts from CSV/XLSX/ODS with columns "
        + ",".join(IMPORT_COLUMNS)
        + " (role: coordinator, agency_officer, agency_head, reviewer or tester; agency "
        "by code, required for agency roles). All-or-nothing; re-import updates; new "
        "accounts are e-mailed a one-time set-password link."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV, XLSX or ODS")

    def handle(self, *args, file, **options):
        try:
            rows = read_rows(file, IMPORT_COLUMNS)
        except TabularError as exc:
            raise CommandError(str(exc)) from exc
        report = users_import(actor=None, rows=rows)
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                _("The import failed (problems: %(count)s); nothing was stored.")
                % {"count": len(report.errors)}
            )
        self.stdout.write(
            _("Accounts: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
            % {
                "created": report.created,
                "updated": report.updated,
                "unchanged": report.unchanged,
            }
        )
        if report.created:
            self.stdout.write(
                _("New accounts with an e-mail address were sent a one-time set-password link.")
            )
