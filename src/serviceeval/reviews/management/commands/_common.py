from django.core.management.base import CommandError

from serviceeval.cycles.models import Cycle


def cycle_by_year(year) -> Cycle:
    cycle = Cycle.objects.select_related("program").filter(year=year).first()
    if cycle is None:
        raise CommandError(f"民國 {year} 年度不存在 (no cycle {year})")
    return cycle
