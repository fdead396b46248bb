import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.cycles.models import Cycle
from serviceeval.rewards.exporters import role_text
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
            raise CommandError(
                _("The cycle of ROC year %(year)s does not exist.") % {"year": cycle}
            )
        roster_refresh(cycle=target, actor=None)
        if json:
            self.stdout.write(_dumps(roster_json(target)))
            return
        state = (
            _("Frozen with the published results")
            if is_frozen(target)
            else _("Live: follows the results and field tests")
        )
        entries = list(roster_entries(target))
        self.stdout.write(
            _("Reward roster of ROC year %(year)s: %(count)s entries (%(state)s)")
            % {"year": cycle, "count": len(entries), "state": state}
        )
        for e in entries:
            agency = e.agency.code if e.agency else "-"
            role = e.role if e.manual else role_text(e.role)
            # The reason is stored with the entry, as computed (issue 5).
            self.stdout.write(
                f"{e.rule}\t{agency}\t{e.person}\t{role}\t{e.get_kind_display()} {e.count}\t{e.reason}"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
