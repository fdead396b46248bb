from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractYear
from django.shortcuts import get_object_or_404

from serviceeval.agencies.models import Agency

from . import rules
from .models import CalendarDay, CarryOver, Cycle, Milestone, Participant

TAIPEI = ZoneInfo("Asia/Taipei")


def cycles_visible_to(user) -> QuerySet[Cycle]:
    qs = Cycle.objects.select_related("program")
    if not user.is_authenticated:
        return qs.none()
    if rules.sees_every_cycle(user):
        return qs
    if user.agency_id:
        return qs.filter(participants__agency_id=user.agency_id).distinct()
    return qs.none()


def cycles_with_counts() -> QuerySet[Cycle]:
    return Cycle.objects.select_related("program").annotate(n_participants=Count("participants"))


def participants_of(cycle) -> QuerySet[Participant]:
    return cycle.participants.select_related("agency", "group", "agency__parent")


def upcoming_milestones(cycle_ids, now, limit=10) -> QuerySet[Milestone]:
    return Milestone.objects.filter(cycle_id__in=cycle_ids, at__gte=now).select_related("cycle")[
        :limit
    ]


def cycles_newest_first() -> QuerySet[Cycle]:
    return Cycle.objects.select_related("program").order_by("-year")


def cycle_or_404(year) -> Cycle:
    """The cycle of a ROC year in a URL, or 404."""
    return get_object_or_404(Cycle.objects.select_related("program"), year=year)


def participant_agencies(cycle):
    """The cycle's participating agencies, for choices (2,000 nationally: pk and name)."""
    return Agency.objects.filter(participations__cycle=cycle).only("pk", "name").order_by("code")


def participant_ids_by_code(cycle, codes) -> dict[str, int]:
    return dict(
        Agency.objects.filter(participations__cycle=cycle, code__in=codes).values_list("code", "pk")
    )


def next_cycle_of(cycle: Cycle) -> Cycle | None:
    """Next year's cycle of the same program (any version), if the office opened it."""
    return (
        Cycle.objects.filter(year=cycle.year + 1, program__code=cycle.program.code)
        .select_related("program")
        .first()
    )


def carry_over_count(from_cycle: Cycle) -> int:
    """How many agencies the publication of `from_cycle` carried over (HSC-11)."""
    return CarryOver.objects.filter(from_cycle=from_cycle).count()


def carry_over_owed(cycle: Cycle) -> list[CarryOver]:
    """HSC-11 carry-overs from last year's cycle of the same program whose agency is
    not (yet) a participant of `cycle`: shown on the cycle's page until added."""
    present = cycle.participants.values("agency_id")
    return list(
        CarryOver.objects.filter(
            from_cycle__year=cycle.year - 1, from_cycle__program__code=cycle.program.code
        )
        .exclude(agency_id__in=present)
        .select_related("agency")
        .order_by("agency__code")
    )


def calendar_years() -> list[dict]:
    """Years with a working-day calendar: {"year", "days", "days_off"}, newest first."""
    return list(
        CalendarDay.objects.annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(days=Count("id"), days_off=Count("id", filter=Q(day_off=True)))
        .order_by("-year")
    )


def calendar_special_days(year: int) -> list[CalendarDay]:
    """The days of a Gregorian year that differ from Monday–Friday: holidays on a
    weekday, make-up working days on a weekend (the rest need no reading)."""
    days = CalendarDay.objects.filter(date__year=year)
    return [d for d in days if d.day_off == (d.date.weekday() < 5)]


def years_without_calendar(cycle) -> list[int]:
    """ROC years of the cycle's deadlines that have no working-day calendar: only
    weekends are days off there (the office is warned)."""
    years = {
        m.nominal_at.astimezone(TAIPEI).year
        for m in cycle.milestones.all()
        if m.deadline and m.nominal_at is not None
    }
    have = set(
        CalendarDay.objects.filter(date__year__in=years)
        .values_list("date__year", flat=True)
        .distinct()
    )
    return sorted(year - 1911 for year in years - have)
