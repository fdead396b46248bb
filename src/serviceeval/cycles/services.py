from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from serviceeval.agencies.models import Agency, Group, Person
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import roc_to_gregorian
from serviceeval.engine.program import ProgramSpec

from .models import CarryOver, Cycle, Milestone, Participant, ParticipationReason

TAIPEI = ZoneInfo("Asia/Taipei")


class CycleError(Exception):
    pass


def milestone_moments(spec: ProgramSpec, roc_year: int) -> list[tuple]:
    year = roc_to_gregorian(roc_year)
    out = []
    for m in spec.milestones:
        at = datetime(year, m.month, m.day, m.time.hour, m.time.minute, tzinfo=TAIPEI)
        if m.time.hour == 23 and m.time.minute == 59:
            at = at.replace(second=59)
        out.append((m, at))
    return out


@transaction.atomic
def cycle_create(
    *, program, year: int, groups: list[str] | None = None, agencies=None, user=None
) -> Cycle:
    """Create a cycle pinned to `program`. Participants: the agencies of the given
    groups (HSC-4 rotation), or without groups every active agency in a category
    of the program (narrowed to `agencies` when given); carried-over agencies
    (HSC-11) are added either way."""
    if Cycle.objects.filter(year=year).exists():
        raise CycleError(f"民國 {year} 年度已存在 (cycle {year} exists)")
    spec = program.spec
    categories = [c.code for c in spec.categories]
    if groups:
        known = set(Group.objects.filter(code__in=groups).values_list("code", flat=True))
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise CycleError(f"組別不存在 (unknown groups): {', '.join(unknown)}")
    cycle = Cycle.objects.create(year=year, program=program, name=f"民國{year}年度 {program.name}")
    Milestone.objects.bulk_create(
        Milestone(cycle=cycle, code=m.code, name=m.name, at=at, rule=m.rule)
        for m, at in milestone_moments(spec, year)
    )
    agencies = (agencies if agencies is not None else Agency.objects.all()).filter(
        active=True, category__in=categories
    )
    reason = ParticipationReason.ALL
    if groups:
        agencies = agencies.filter(group__code__in=groups)
        reason = ParticipationReason.ROTATION
    chosen = {a.pk: (a, reason, "") for a in agencies}
    carried = CarryOver.objects.filter(from_cycle__year=year - 1).select_related("agency")
    for co in carried:
        chosen[co.agency_id] = (co.agency, ParticipationReason.CARRY_OVER, co.reason)
    Participant.objects.bulk_create(
        Participant(
            cycle=cycle, agency=a, category=a.category, group_id=a.group_id, reason=r, note=n
        )
        for a, r, n in chosen.values()
    )
    # Snapshot the standing reward roster for this cycle.
    Person.objects.bulk_create(
        Person(agency_id=p.agency_id, cycle=cycle, role=p.role, name=p.name)
        for p in Person.objects.filter(cycle__isnull=True, agency_id__in=chosen.keys())
    )
    audit_record(
        actor=user,
        action="cycle_created",
        obj=cycle,
        after={"program": program.pk, "groups": groups},
    )
    return cycle


def cycle_change_program(*, cycle: Cycle, program, user=None) -> Cycle:
    """A cycle keeps its version once scoring has started (CITY-16)."""
    if cycle.scoring_started_at is not None:
        raise CycleError(
            "評分已開始，不可更換考核計畫版本 (scoring has started; the program version is fixed)"
        )
    before = cycle.program_id
    with transaction.atomic():
        cycle.program = program
        cycle.save(update_fields=["program"])
        cycle.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(cycle=cycle, code=m.code, name=m.name, at=at, rule=m.rule)
            for m, at in milestone_moments(program.spec, cycle.year)
        )
        audit_record(actor=user, action="cycle_program_changed", obj=cycle, before={"program": before},
                     after={"program": program.pk})  # fmt: skip
    return cycle


def cycle_mark_scoring_started(*, cycle: Cycle) -> None:
    if cycle.scoring_started_at is None:
        Cycle.objects.filter(pk=cycle.pk, scoring_started_at__isnull=True).update(
            scoring_started_at=timezone.now()
        )
        cycle.refresh_from_db(fields=["scoring_started_at"])


def participant_add(*, cycle: Cycle, agency: Agency, user, note: str = "") -> Participant:
    participant, created = Participant.objects.get_or_create(
        cycle=cycle, agency=agency,
        defaults={"category": agency.category, "group_id": agency.group_id,
                  "reason": ParticipationReason.ADDED, "note": note},
    )  # fmt: skip
    if created:
        audit_record(
            actor=user,
            action="participant_added",
            obj=participant,
            agency_id=agency.pk,
            reason=note,
        )
    return participant


def cycles_for_agency_ids(agency_ids) -> Q:
    return Q(participants__agency_id__in=list(agency_ids))
