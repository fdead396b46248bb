from django.core.management.base import BaseCommand, CommandError

from serviceeval.core.tabular import TabularError, read_rows
from serviceeval.cycles.models import Cycle


def cycle_by_year(year) -> Cycle:
    cycle = Cycle.objects.select_related("program").filter(year=year).first()
    if cycle is None:
        raise CommandError(f"民國 {year} 年度不存在 (no cycle {year})")
    return cycle


class ImportCommand(BaseCommand):
    """Shared shape of the field-test imports: all-or-nothing, one line per bad row."""

    columns: tuple[str, ...] = ()
    what = ""

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, type=int, help="ROC year, e.g. 116")
        parser.add_argument(
            "--add-testers",
            action="store_true",
            help="create tester accounts for usernames that do not exist yet",
        )
        parser.add_argument("file", help="CSV, XLSX or ODS with columns " + ",".join(self.columns))

    def run_import(self, **kwargs):
        raise NotImplementedError

    def handle(self, *args, cycle, add_testers, file, **options):
        target = cycle_by_year(cycle)
        try:
            rows = read_rows(file, self.columns)
        except TabularError as exc:
            raise CommandError(str(exc)) from exc
        report = self.run_import(cycle=target, rows=rows, add_testers=add_testers)
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                f"匯入失敗，未寫入任何資料 ({len(report.errors)} bad row(s); nothing stored)"
            )
        added = (
            f"; testers added: {', '.join(report.testers_added)}" if report.testers_added else ""
        )
        self.stdout.write(f"匯入完成 imported: {report.created} {self.what}{added}")
