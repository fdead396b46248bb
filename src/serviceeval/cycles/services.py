from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from serviceeval.agencies.models import Agency, Group, Person
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import roc_to_gregorian
from serviceeval.core.signals import RESULTS, announce_roster_inputs
from serviceeval.engine.program import ProgramSpec

from .models import CarryOver, Cycle, Milestone, Participant, ParticipationReason
from .selectors import carry_over_owed, next_cycle_of

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


# ROC years a cycle may have: 民國1年 (1912) to 民國200年 (2111). A Gregorian year
# typed by mistake (2016 for 105) is outside and named as such.
MIN_YEAR, MAX_YEAR = 1, 200


def check_year(year: int, name: str = "year") -> None:
    """Refuse year 0, negative and absurd years; `name` is how the caller calls it
    (`--year` in cycle_create)."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return
    zh_hint = en_hint = ""
    if year > 1911:
        zh_hint = f"；西元 {year} 年即民國 {year - 1911} 年"
        en_hint = f"; Gregorian {year} is ROC {year - 1911}"
    raise CycleError(
        f"{name} {year} 不是有效的民國年，須為 {MIN_YEAR} 至 {MAX_YEAR}{zh_hint} "
        f"({name} must be an ROC year from {MIN_YEAR} to {MAX_YEAR}, e.g. 105{en_hint})"
    )


def of_program_city(program, prefix: str = "") -> Q:
    """The agencies of the program's city (its metadata `city`); `prefix` reaches the
    agency from another model ("agency__"). An agency with no city recorded belongs
    to no city in particular and joins any program's cycle, so a one-city
    installation need not fill it in."""
    return Q(**{f"{prefix}city": program.city}) | Q(**{f"{prefix}city": ""})


def _explicit_agencies(program, codes: list[str], categories: list[str]) -> list[Agency]:
    found = {a.code: a for a in Agency.objects.filter(code__in=codes)}
    problems = []
    unknown = [c for c in codes if c not in found]
    if unknown:
        problems.append(f"機關不存在 (unknown agencies): {', '.join(unknown)}")
    chosen = [found[c] for c in codes if c in found]
    other_city = [f"{a.code} ({a.city})" for a in chosen if a.city not in ("", program.city)]
    if other_city:
        problems.append(
            f"機關不屬於{program.city} (agencies of another city than the program's "
            f"{program.city}): {', '.join(other_city)}"
        )
    inactive = [a.code for a in chosen if not a.active]
    if inactive:
        problems.append(f"機關已停用 (inactive agencies): {', '.join(inactive)}")
    off = [f"{a.code} ({a.category})" for a in chosen if a.active and a.category not in categories]
    if off:
        problems.append(
            f"機關類別不在本計畫 (category not in the program: {', '.join(categories)}): "
            f"{', '.join(off)}"
        )
    if problems:
        raise CycleError("; ".join(problems))
    return chosen


@transaction.atomic
def cycle_create(
    *,
    program,
    year: int,
    groups: list[str] | None = None,
    agencies=None,
    agency_codes: list[str] | None = None,
    user=None,
) -> Cycle:
    """Create a cycle pinned to `program`. Participants, always among the agencies
    of the program's city (`of_program_city`):

    * `agency_codes`: exactly those agencies (refused when one is unknown, of another
      city, inactive or of a category the program does not have);
    * else `groups`: the active agencies of those groups (HSC-4 rotation);
    * else every active agency in a category of the program;

    `agencies` (a queryset) narrows the last two. Agencies carried over from last
    year (HSC-11) are added either way when they are of the program's city."""
    check_year(year)
    if Cycle.objects.filter(year=year).exists():
        raise CycleError(f"民國 {year} 年度已存在 (cycle {year} exists)")
    if groups and agency_codes:
        raise CycleError("組別與機關清單只能擇一 (give groups or agencies, not both)")
    spec = program.spec
    categories = [c.code for c in spec.categories]
    if groups:
        known = set(Group.objects.filter(code__in=groups).values_list("code", flat=True))
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise CycleError(f"組別不存在 (unknown groups): {', '.join(unknown)}")
    if agency_codes:
        reason = ParticipationReason.ADDED
        taking_part = _explicit_agencies(program, list(dict.fromkeys(agency_codes)), categories)
    else:
        qs = (agencies if agencies is not None else Agency.objects.all()).filter(
            of_program_city(program), active=True, category__in=categories
        )
        reason = ParticipationReason.ALL
        if groups:
            qs = qs.filter(group__code__in=groups)
            reason = ParticipationReason.ROTATION
        taking_part = list(qs)
    cycle = Cycle.objects.create(year=year, program=program, name=f"民國{year}年度 {program.name}")
    Milestone.objects.bulk_create(
        Milestone(cycle=cycle, code=m.code, name=m.name, at=at, rule=m.rule)
        for m, at in milestone_moments(spec, year)
    )
    chosen = {a.pk: (a, reason, "") for a in taking_part}
    carried = CarryOver.objects.filter(
        of_program_city(program, "agency__"),
        from_cycle__year=year - 1,
        from_cycle__program__code=program.code,
    ).select_related("agency")
    for co in carried:
        chosen[co.agency_id] = (co.agency, ParticipationReason.CARRY_OVER, co.reason)
    Participant.objects.bulk_create(
        Participant(
            cycle=cycle, agency=a, category=a.category, group_id=a.group_id, reason=r, note=n
        )
        for a, r, n in chosen.values()
    )
    _snapshot_roster(cycle, list(chosen))
    audit_record(
        actor=user,
        action="cycle_created",
        obj=cycle,
        after={
            "program": program.pk,
            "city": program.city,
            "groups": groups,
            "agencies": agency_codes,
        },
    )
    return cycle


def _snapshot_roster(cycle: Cycle, agency_ids: list[int]) -> None:
    """The standing reward roster (Person without a cycle) of these agencies, copied
    for the cycle."""
    Person.objects.bulk_create(
        Person(agency_id=p.agency_id, cycle=cycle, role=p.role, name=p.name)
        for p in Person.objects.filter(cycle__isnull=True, agency_id__in=agency_ids)
    )


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
        audit_record(
            actor=user,
            action="cycle_program_changed",
            obj=cycle,
            before={"program": before},
            after={"program": program.pk},
        )
        announce_roster_inputs(cycle, RESULTS)
    return cycle


def cycle_mark_scoring_started(*, cycle: Cycle) -> None:
    if cycle.scoring_started_at is None:
        Cycle.objects.filter(pk=cycle.pk, scoring_started_at__isnull=True).update(
            scoring_started_at=timezone.now()
        )
        cycle.refresh_from_db(fields=["scoring_started_at"])


def participant_add(
    *, cycle: Cycle, agency: Agency, user, note: str = "", reason=ParticipationReason.ADDED
) -> Participant:
    participant, created = Participant.objects.get_or_create(
        cycle=cycle,
        agency=agency,
        defaults={
            "category": agency.category,
            "group_id": agency.group_id,
            "reason": reason,
            "note": note,
        },
    )
    if created:
        _snapshot_roster(cycle, [agency.pk])
    if created:
        audit_record(
            actor=user,
            action="participant_added",
            obj=participant,
            agency_id=agency.pk,
            reason=note,
        )
        announce_roster_inputs(cycle, RESULTS)
    return participant


def cycles_for_agency_ids(agency_ids) -> Q:
    return Q(participants__agency_id__in=list(agency_ids))


@dataclass
class CarryOverReport:
    """What `carry_over_record` did: the next cycle (None: not opened yet, the
    agencies join it when it is created), the agencies added to it, and those it
    owes because its scoring has started (the office adds them by hand)."""

    next_cycle: Cycle | None
    added: list[Agency] = field(default_factory=list)
    owed: list[Agency] = field(default_factory=list)


def carry_over_record(*, from_cycle: Cycle, reasons: dict[int, str], actor) -> CarryOverReport:
    """HSC-11: each agency (id → reason) is evaluated in next year's cycle of the same
    program whatever the rotation says. Recorded as a CarryOver; when that cycle is
    already open and has not started scoring the agency joins it now (reason
    carry_over, with its roster snapshot); when it has started, the agency is owed
    and said so by name, never silently."""
    actor = actor if getattr(actor, "pk", None) else None
    for agency_id, reason in reasons.items():
        CarryOver.objects.get_or_create(
            agency_id=agency_id,
            from_cycle=from_cycle,
            defaults={"reason": reason, "created_by": actor},
        )
    report = CarryOverReport(next_cycle_of(from_cycle))
    target = report.next_cycle
    if target is None or not reasons:
        return report
    present = set(target.participants.values_list("agency_id", flat=True))
    agencies = Agency.objects.filter(pk__in=reasons).exclude(pk__in=present).order_by("code")
    if target.scoring_started_at is not None:
        report.owed = list(agencies)
        return report
    report.added = list(agencies)
    Participant.objects.bulk_create(
        Participant(
            cycle=target,
            agency=a,
            category=a.category,
            group_id=a.group_id,
            reason=ParticipationReason.CARRY_OVER,
            note=reasons[a.pk],
        )
        for a in report.added
    )
    _snapshot_roster(target, [a.pk for a in report.added])
    if report.added:
        announce_roster_inputs(target, RESULTS)
        audit_record(
            actor=actor,
            action="carry_over_added",
            obj=target,
            after={"from_cycle": from_cycle.pk, "agencies": [a.code for a in report.added]},
            reason="HSC-11",
        )
    return report


def carry_over_add_owed(*, cycle: Cycle, agency_id: int, user) -> Participant:
    """The office adds an agency the cycle owes (HSC-11, `carry_over_owed`) after its
    scoring started: reason carry_over, the carry-over's note, audited."""
    owed = {co.agency_id: co for co in carry_over_owed(cycle)}
    if agency_id not in owed:
        raise CycleError("此機關不在應續評名單中 (the agency is not owed to this cycle)")
    co = owed[agency_id]
    return participant_add(
        cycle=cycle,
        agency=co.agency,
        user=user,
        note=co.reason,
        reason=ParticipationReason.CARRY_OVER,
    )


def carry_over_withdraw(*, from_cycle: Cycle, actor, reason: str) -> list[int]:
    """Undo `carry_over_record` (results unfrozen): the CarryOver rows go, and the
    agencies it added to a next cycle that has not started scoring leave it again."""
    carried = list(
        CarryOver.objects.filter(from_cycle=from_cycle).values_list("agency_id", flat=True)
    )
    CarryOver.objects.filter(from_cycle=from_cycle).delete()
    target = next_cycle_of(from_cycle)
    if target is not None and target.scoring_started_at is None and carried:
        gone = target.participants.filter(
            agency_id__in=carried, reason=ParticipationReason.CARRY_OVER
        )
        codes = list(gone.values_list("agency__code", flat=True))
        gone.delete()
        if codes:
            audit_record(
                actor=actor,
                action="carry_over_withdrawn",
                obj=target,
                before={"from_cycle": from_cycle.pk, "agencies": codes},
                reason=reason,
            )
    return carried
