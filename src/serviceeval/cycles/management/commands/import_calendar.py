from django.core.management.base import BaseCommand, CommandError

from serviceeval.core.tabular import TabularError, read_rows
from serviceeval.cycles.services import CALENDAR_COLUMNS, calendar_import


class Command(BaseCommand):
    help = (
        "Import the government's office calendar (行政機關辦公日曆表, CSV/XLSX/ODS) with "
        "columns " + ",".join(CALENDAR_COLUMNS) + ": 西元日期 as YYYYMMDD, 是否放假 2 for a "
        "day off and 0 for a working day. All or nothing; each year in the file replaces "
        "that year's calendar, then deadlines on days off move to the next working day."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV (UTF-8 or Big5), XLSX or ODS")

    def handle(self, *args, file, **options):
        try:
            rows = read_rows(file, ("西元日期", "是否放假"))
        except TabularError as exc:
            raise CommandError(str(exc)) from exc
        report = calendar_import(rows=rows, actor=None)
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                f"匯入失敗，未寫入任何資料 ({len(report.errors)} problems; nothing stored)"
            )
        years = "、".join(f"{y}（民國{y - 1911}年）" for y in report.years)
        self.stdout.write(
            f"匯入完成 imported: {years}: {report.days} days, {report.days_off} days off; "
            f"{report.moved} deadlines moved"
        )
