from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.reviews.services import ReviewError, carry_over_lines, publish_results

from ._common import cycle_by_year


class Command(BaseCommand):
    help = "Publish and freeze the cycle's results (refused while any participant is incomplete)."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, type=int, help="ROC year, e.g. 105")

    def handle(self, *args, cycle, **options):
        target = cycle_by_year(cycle)
        try:
            publication = publish_results(cycle=target, actor=None)
        except ReviewError as exc:
            raise CommandError(str(exc)) from exc
        n = len(publication.results)
        self.stdout.write(
            _("Results of ROC year %(year)s published and frozen (agencies: %(n)s).")
            % {"year": cycle, "n": n}
        )
        for line in carry_over_lines(publication.carry_over):
            self.stdout.write(line)
