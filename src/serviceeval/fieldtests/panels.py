"""Dashboard panels: a tester's records this month; the office's field-test figures."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from serviceeval.core.memo import memo, revision
from serviceeval.cycles.models import Cycle

from .models import MysteryVisit, PhoneTest


def _month_start():
    now = timezone.localtime()
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def tester(request):
    start = _month_start()
    cycle = Cycle.objects.select_related("program").order_by("-year").first()
    return {
        "title": _("My field tests"),
        "calls": PhoneTest.objects.filter(tester=request.user, created__gte=start).count(),
        "visits": MysteryVisit.objects.filter(tester=request.user, created__gte=start).count(),
        "cycle": cycle,
    }


def office(request):
    """Counts only: the dashboard is a busy page, the averages live on the field-test page."""
    cycle = Cycle.objects.select_related("program").order_by("-year").first()
    if cycle is None:
        return None
    start = _month_start()

    def counts():
        calls = PhoneTest.objects.filter(cycle=cycle)
        visits = MysteryVisit.objects.filter(cycle=cycle)
        tested = set(calls.values_list("agency_id", flat=True).distinct()) | set(
            visits.values_list("agency_id", flat=True).distinct()
        )
        return {
            "agencies": len(tested),
            "calls": calls.count(),
            "visits": visits.count(),
            "calls_month": calls.filter(created__gte=start).count(),
        }

    # Counting 32,000 records at national scale: once per data revision (core.memo).
    key = ("fieldtests-panel", cycle.pk, cycle.created, start)
    return {"title": _("Field tests"), "cycle": cycle, **memo(key, revision(), counts)}
