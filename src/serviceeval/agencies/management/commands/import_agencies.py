from django.core.management.base import BaseCommand, CommandError

from serviceeval.agencies.services import IMPORT_COLUMNS, REQUIRED_COLUMNS, agencies_import
from serviceeval.core.tabular import TabularError, read_rows


class Command(BaseCommand):
    help = (
        "Import agencies from CSV/XLSX with columns "
        + ",".join(IMPORT_COLUMNS)
        + " (all-or-nothing; re-import updates)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            rows = read_rows(file, REQUIRED_COLUMNS)
            report = agencies_import(rows=rows)
        except (TabularError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                f"匯入失敗，未寫入任何資料 ({len(report.errors)} problems; nothing stored)"
            )
        self.stdout.write(f"匯入完成 imported: {report.created} created, {report.updated} updated")
