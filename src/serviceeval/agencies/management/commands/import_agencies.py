from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.agencies.services import IMPORT_COLUMNS, REQUIRED_COLUMNS, agencies_import
from serviceeval.core.roc import format_roc_year
from serviceeval.core.tabular import TabularError, read_rows


def _years(by_year: dict[int, list[str]]) -> str:
    return "；".join(
        _("%(year)s (agencies %(count)s: %(codes)s)")
        % {"year": format_roc_year(year), "count": len(codes), "codes": ", ".join(codes)}
        for year, codes in sorted(by_year.items())
    )


class Command(BaseCommand):
    help = (
        "Import agencies from CSV/XLSX/ODS with columns "
        + ",".join(IMPORT_COLUMNS)
        + " (people and city optional; all-or-nothing; re-import updates, also the "
        "people of the cycles that have not started scoring)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="CSV, XLSX or ODS")
        parser.add_argument(
            "--city",
            default="",
            help="city of the rows with an empty or no city column (a program's city, e.g. 新竹市)",
        )
        parser.add_argument(
            "--cycle",
            type=int,
            default=None,
            help="ROC year: update the people of this cycle only (default: every cycle "
            "that has not started scoring)",
        )

    def handle(self, *args, file, city, cycle, **options):
        try:
            rows = read_rows(file, REQUIRED_COLUMNS)
            report = agencies_import(rows=rows, default_city=city.strip(), cycle_year=cycle)
        except (TabularError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                _("The import failed (problems: %(count)s); nothing was stored.")
                % {"count": len(report.errors)}
            )
        self.stdout.write(
            _("Import complete: %(created)s created, %(updated)s updated.")
            % {"created": report.created, "updated": report.updated}
        )
        if report.cycles_updated:
            self.stdout.write(
                _("People updated in the cycles: %(cycles)s")
                % {"cycles": _years(report.cycles_updated)}
            )
        if report.cycles_kept:
            self.stdout.write(
                _("People kept in the cycles (scoring started or results published): %(cycles)s")
                % {"cycles": _years(report.cycles_kept)}
            )
        if cycle is not None and not report.cycles_updated:
            self.stdout.write(
                _("The people of the cycle of ROC year %(year)s are already up to date.")
                % {"year": cycle}
            )
