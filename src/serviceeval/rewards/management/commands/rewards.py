import json

from django.core.management.base import BaseCommand, CommandError

from serviceeval.cycles.models import Cycle
from serviceeval.rewards.services import is_frozen, roster_entries, roster_json, roster_refresh


class Command(BaseCommand):
    help = (
        "Print the cycle's reward roster (敘獎名冊), recomputed first unless frozen with the "
        "published results. --json: one object per entry (person, role, agency, kind, count, "
        "rule, reason)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--cycle", required=True, type=int, help="ROC year, e.g. 105")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, cycle, json: bool, **options):
        target = Cycle.objects.select_related("program").filter(year=cycle).first()
        if target is None:
            raise CommandError(f"民國 {cycle} 年度不存在 (no cycle {cycle})")
        roster_refresh(cycle=target, actor=None)
        if json:
            self.stdout.write(_dumps(roster_json(target)))
            return
        state = "frozen" if is_frozen(target) else "live"
        entries = list(roster_entries(target))
        self.stdout.write(f"民國{cycle}年度 敘獎名冊 ({len(entries)} entries, {state})")
        for e in entries:
            agency = e.agency.code if e.agency else "-"
            self.stdout.write(
                f"{e.rule}\t{agency}\t{e.person}\t{e.role}\t{e.get_kind_display()} {e.count}\t{e.reason}"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
