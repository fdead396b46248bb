from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.core.tabular import TabularError, read_rows
from serviceeval.cycles.models import Cycle


def cycle_by_year(year) -> Cycle:
    cycle = Cycle.objects.select_related("program").filter(year=year).first()
    if cycle is None:
        raise CommandError(_("The cycle of ROC year %(year)s does not exist.") % {"year": year})
    return cycle


class ImportCommand(BaseCommand):
    """Shared shape of the field-test imports: all-or-nothing, one line per bad row."""

    columns: tuple[str, ...] = ()
    # "Imported: %(count)s ...", translated when printed (gettext_lazy).
    done = ""

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
            raise CommandError(_("The import failed; nothing was stored."))
        self.stdout.write(self.done % {"count": report.created})
        if report.testers_added:
            self.stdout.write(
                _("Tester accounts added: %(names)s") % {"names": ", ".join(report.testers_added)}
            )
