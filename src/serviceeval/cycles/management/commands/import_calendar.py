from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.core.roc import format_roc_year
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
                _("The import failed (problems: %(count)s); nothing was stored.")
                % {"count": len(report.errors)}
            )
        years = "、".join(f"{y}（{format_roc_year(y - 1911)}）" for y in report.years)
        self.stdout.write(
            _(
                "Import complete: %(years)s: %(days)s days, of which %(off)s days off; deadlines moved: %(moved)s."
            )
            % {"years": years, "days": report.days, "off": report.days_off, "moved": report.moved}
        )
