from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.agencies.models import Agency
from serviceeval.core.roc import format_roc_year
from serviceeval.cycles.services import CycleError, check_year, cycle_create
from serviceeval.programs.models import Program


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


class Command(BaseCommand):
    help = (
        "Create a cycle: --program CODE[:VERSION] --year ROC_YEAR "
        "[--groups 1,2 | --agencies CODE,CODE]. Participants are agencies of the "
        "program's city (or with no city recorded)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--program", required=True, help="program code, optionally CODE:VERSION"
        )
        parser.add_argument("--year", required=True, type=int, help="ROC year, e.g. 105")
        chosen = parser.add_mutually_exclusive_group()
        chosen.add_argument(
            "--groups", default="", help="comma-separated group codes (HSC-4 rotation)"
        )
        chosen.add_argument(
            "--agencies", default="", help="comma-separated agency codes: exactly these take part"
        )

    def handle(self, *args, program, year, groups, agencies, **options):
        try:
            check_year(year, "--year")
        except CycleError as exc:
            raise CommandError(str(exc)) from exc
        code, _colon, version = program.partition(":")
        qs = Program.objects.filter(code=code)
        if version:
            qs = qs.filter(version=version) if version.isdigit() else qs.none()
        chosen = qs.order_by("-version").first()
        if chosen is None:
            raise CommandError(_("Program %(program)s not found.") % {"program": program})
        try:
            cycle = cycle_create(
                program=chosen,
                year=year,
                groups=_codes(groups) or None,
                agency_codes=_codes(agencies) or None,
            )
        except CycleError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _(
                "Created the cycle %(year)s: %(code)s v%(version)s (%(city)s), participating agencies: %(count)s."
            )
            % {
                "year": format_roc_year(year),
                "code": chosen.code,
                "version": chosen.version,
                "city": chosen.city,
                "count": cycle.participants.count(),
            }
        )
        # Once cities are in use, an agency without one is most likely an omission.
        no_city = cycle.participants.filter(agency__city="").count()
        if no_city and Agency.objects.exclude(city="").exists():
            self.stdout.write(
                _(
                    "Note: %(count)s of them have no city recorded; set it with import_agencies --city or a city column."
                )
                % {"count": no_city}
            )
