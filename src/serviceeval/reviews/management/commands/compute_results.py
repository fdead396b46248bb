import json

from django.core.management.base import BaseCommand

from serviceeval.reviews.services import results_json

from ._common import cycle_by_year


class Command(BaseCommand):
    help = "Compute the cycle's results (HSC-9, HSC-10, SPEC §3.3); --json prints one object per participant."

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, type=int, help="ROC year, e.g. 105")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, cycle, json: bool = False, **options):
        rows = results_json(cycle_by_year(cycle))
        if json:
            self.stdout.write(_dumps(rows))
            return
        for r in rows:
            self.stdout.write(
                f"{r['agency']:<10} {r['name']:<12} group={r['group'] or '-':<3} "
                f"{r['status']:<10} total={r['total'] or '-':>8} grade={r['grade'] or '-'} "
                f"final={r['final_grade'] or '-'} rank={r['rank'] or '-'}"
            )


def _dumps(rows) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=2)
