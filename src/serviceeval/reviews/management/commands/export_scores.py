from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.reviews.exporters import long_format_bytes

from ._common import cycle_by_year


class Command(BaseCommand):
    help = (
        "Export every score in long format (agency × reviewer × criterion × round, with "
        "comments) as CSV, XLSX or ODS; the format follows the file's extension."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, type=int, help="ROC year, e.g. 105")
        parser.add_argument("file", help="OUT.csv, OUT.xlsx or OUT.ods")

    def handle(self, *args, cycle, file, **options):
        target = cycle_by_year(cycle)
        fmt = Path(file).suffix.lower().lstrip(".")
        if fmt not in ("csv", "xlsx", "ods"):
            raise CommandError(_("Use .csv, .xlsx or .ods."))
        data, count = long_format_bytes(target, fmt)
        Path(file).write_bytes(data)
        self.stdout.write(
            _("Exported to %(file)s: scores %(count)s.") % {"file": file, "count": count}
        )
