from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from serviceeval.cycles.models import Cycle


def cycle_by_year(year) -> Cycle:
    cycle = Cycle.objects.select_related("program").filter(year=year).first()
    if cycle is None:
        raise CommandError(_("There is no cycle for ROC year %(year)s.") % {"year": year})
    return cycle
