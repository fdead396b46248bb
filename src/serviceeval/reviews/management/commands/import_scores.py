from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.core.tabular import TabularError
from serviceeval.reviews.models import Round
from serviceeval.reviews.services import REQUIRED_IMPORT_COLUMNS, scores_import
from serviceeval.reviews.tabular import read_score_rows

from ._common import cycle_by_year


class Command(BaseCommand):
    help = (
        "Import reviewer scores from CSV/XLSX/ODS with columns agency,reviewer,criterion,score,comment "
        "(all-or-nothing; imported sheets count as submitted)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, type=int, help="ROC year, e.g. 105")
        parser.add_argument("--round", default="first", choices=["first", "re-evaluation"])
        parser.add_argument(
            "--add-reviewers",
            action="store_true",
            help="assign (and seat on the panel) reviewers the file names but who are not assigned",
        )
        parser.add_argument("file", help="CSV, XLSX or ODS")

    def handle(self, *args, cycle, round, add_reviewers, file, **options):
        target = cycle_by_year(cycle)
        try:
            rows = read_score_rows(file, REQUIRED_IMPORT_COLUMNS)
        except TabularError as exc:
            raise CommandError(str(exc)) from exc
        report = scores_import(cycle=target, rows=rows, round=round, add_reviewers=add_reviewers)
        if report.errors:
            for line in report.errors:
                self.stderr.write(line)
            raise CommandError(
                _("Import failed; nothing was stored (problems: %(n)s).")
                % {"n": len(report.errors)}
            )
        self.stdout.write(
            _("Import complete (%(round)s): sheets %(sheets)s, scores %(scores)s.")
            % {"round": Round(round).label, "sheets": report.sheets, "scores": report.scores}
        )
