from django.core.management.base import BaseCommand, CommandError

from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.services import CycleError, cycle_create
from serviceeval.programs.models import Program


class Command(BaseCommand):
    help = "Create a cycle: --program CODE[:VERSION] --year ROC_YEAR [--groups 1,2]"

    def add_arguments(self, parser):
        parser.add_argument(
            "--program", required=True, help="program code, optionally CODE:VERSION"
        )
        parser.add_argument("--year", required=True, type=int, help="ROC year, e.g. 105")
        parser.add_argument(
            "--groups", default="", help="comma-separated group codes (HSC-4 rotation)"
        )

    def handle(self, *args, program, year, groups, **options):
        code, _, version = program.partition(":")
        qs = Program.objects.filter(code=code)
        if version:
            qs = qs.filter(version=version)
        chosen = qs.order_by("-version").first()
        if chosen is None:
            raise CommandError(f"找不到考核計畫 {program} (unknown program)")
        group_list = [g.strip() for g in groups.split(",") if g.strip()]
        try:
            cycle = cycle_create(program=chosen, year=year, groups=group_list or None)
        except CycleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"已建立 {format_roc_year(year)} 年度 (created): {chosen.code} v{chosen.version}, "
            f"{cycle.participants.count()} participants"
        )
