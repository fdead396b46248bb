from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.selectors import agency_staff_by_agency, office_accounts
from serviceeval.agencies.models import Agency, Group, Person
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date, roc_to_gregorian
from serviceeval.core.signals import RESULTS, announce_roster_inputs
from serviceeval.core.tabular import row_label
from serviceeval.engine import workdays
from serviceeval.engine.program import ProgramSpec
from serviceeval.engine.workdays import MAX_DAYS_OFF
from serviceeval.notifications.enums import Kind as NoticeKind
from serviceeval.notifications.services import Notice, notify_many
from serviceeval.programs.services import program_revise_points

from .models import (
    CalendarDay,
    CarryOver,
    Cycle,
    Milestone,
    Participant,
    ParticipationReason,
)
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


def _create_milestones(cycle: Cycle, spec: ProgramSpec) -> None:
    Milestone.objects.bulk_create(
        Milestone(
            cycle=cycle,
            code=m.code,
            name=m.name,
            at=at,
            nominal_at=at,
            rule=m.rule,
            deadline=m.deadline,
        )
        for m, at in milestone_moments(spec, cycle.year)
    )
    milestones_apply_calendar(Milestone.objects.filter(cycle=cycle), actor=None, audit=False)


WEEKDAYS = "一二三四五六日"


def _calendar(first: date, last: date) -> dict[date, tuple[bool, str]]:
    """The calendar's days in the span: date → (day off, note)."""
    return {
        d: (off, note)
        for d, off, note in CalendarDay.objects.filter(date__gte=first, date__lte=last).values_list(
            "date", "day_off", "note"
        )
    }


def moved_note(nominal: datetime, effective: datetime, why: str = "") -> str:
    """Why a deadline moved, in zh-Hant then English (shown beside the deadline);
    `why` is the calendar's note on the nominal day (e.g. 調整放假).

    Stored on the milestone (`Milestone.moved_note`) and sent as a notice's body, so
    it stays one bilingual text, not a gettext message (issue 15 item 2)."""
    day = nominal.astimezone(TAIPEI).date()
    weekday = WEEKDAYS[day.weekday()]
    kind = f"放假日（{why}）" if why else ("休息日" if day.weekday() >= 5 else "放假日")
    return (
        f"原訂 {format_roc_date(day)}（星期{weekday}）為{kind}，依行政程序法第48條"
        f"順延至 {format_roc_date(effective, with_time=True)} "
        f"({day.isoformat()} is a day off; moved to {effective.date().isoformat()})"
    )


def milestones_apply_calendar(milestones, *, actor, audit: bool = True) -> int:
    """Set each deadline's effective moment from its program moment and the working-day
    calendar (SPEC §3.3); other milestones keep theirs. Returns how many changed."""
    rows = [m for m in milestones if m.nominal_at is not None]
    if not rows:
        return 0
    local = [m.nominal_at.astimezone(TAIPEI) for m in rows]
    calendar = _calendar(min(local).date(), max(local).date() + timedelta(days=MAX_DAYS_OFF))
    days_off = {d: off for d, (off, _note) in calendar.items()}
    changed = []
    for m, nominal in zip(rows, local, strict=True):
        at, note = nominal, ""
        if m.deadline:
            at = workdays.effective_deadline(nominal, days_off)
            if at != nominal:
                why = calendar.get(nominal.date(), (True, ""))[1]
                note = moved_note(nominal, at, why)
        if m.at != at or m.moved_note != note:
            m.at, m.moved_note = at, note
            changed.append(m)
    Milestone.objects.bulk_update(changed, ["at", "moved_note"])
    if changed and audit:
        for cycle_id in sorted({m.cycle_id for m in changed}):
            audit_record(
                actor=actor,
                action="milestones_moved",
                obj=Cycle.objects.get(pk=cycle_id),
                after={m.code: m.at.isoformat() for m in changed if m.cycle_id == cycle_id},
                reason="SPEC §3.3 行政程序法 §48",
            )
        _notify_moved(changed)
    return len(changed)


# Deadlines the agencies meet themselves: a move is told to every participant's staff.
AGENCY_DEADLINES = ("plan_due", "report_due")


def _notify_moved(milestones) -> None:
    """Tell who is concerned that a deadline of an unpublished cycle moved (issue 13):
    the participants' officers and heads for their own deadlines, the office always."""
    now = timezone.now()
    moved = [
        m for m in milestones if m.deadline and m.at > now and m.cycle.results_published_at is None
    ]
    if not moved:
        return
    office = list(office_accounts())
    notices = []
    for m in moved:
        people = list(office)
        if m.code in AGENCY_DEADLINES:
            ids = Participant.objects.filter(cycle_id=m.cycle_id).values_list(
                "agency_id", flat=True
            )
            people += [u for staff in agency_staff_by_agency(ids).values() for u in staff]
        when = format_roc_date(m.at, with_time=True)
        subject = _("%(cycle)s: %(name)s moved to %(when)s") % {
            "cycle": str(m.cycle),
            "name": m.name,
            "when": when,
        }
        notices.append(
            Notice(
                people,
                NoticeKind.MILESTONE_MOVED,
                f"milestone_moved:{m.pk}:{m.at:%Y%m%d%H%M}",
                subject,
                m.moved_note,
                f"/cycles/{m.cycle.year}/",
            )
        )
    notify_many(notices)


def _reapply(first: date, last: date, actor) -> int:
    """Re-apply the calendar to every deadline whose program day is in this span (or
    up to two months before it: a run of days off may reach into it)."""
    start = datetime.combine(first - timedelta(days=MAX_DAYS_OFF), time.min, tzinfo=TAIPEI)
    end = datetime.combine(last, time.max, tzinfo=TAIPEI)
    return milestones_apply_calendar(
        Milestone.objects.filter(deadline=True, nominal_at__gte=start, nominal_at__lte=end),
        actor=actor,
    )


CALENDAR_COLUMNS = ("西元日期", "星期", "是否放假", "備註")


@dataclass
class CalendarReport:
    errors: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)  # Gregorian years replaced
    days: int = 0
    days_off: int = 0
    moved: int = 0


@transaction.atomic
def calendar_import(*, rows, actor) -> CalendarReport:
    """The government's office calendar (行政機關辦公日曆表): columns 西元日期
    (YYYYMMDD), 星期, 是否放假 (2 day off, 0 working day), 備註. All or nothing: any
    bad row stores nothing. Each year in the file replaces that year's calendar;
    then every deadline is re-applied."""
    report = CalendarReport()
    parsed: dict[date, tuple[bool, str]] = {}
    for number, row in rows:
        raw = (row.get("西元日期") or "").strip()
        try:
            day = datetime.strptime(raw, "%Y%m%d").date()
        except ValueError:
            report.errors.append(
                f"{row_label(number)}："
                + _("西元日期 “%(value)s” must be a date written YYYYMMDD.") % {"value": raw}
            )
            continue
        flag = (row.get("是否放假") or "").strip()
        if flag not in ("0", "2"):
            report.errors.append(
                f"{row_label(number)}："
                + _("是否放假 “%(value)s” must be 2 (a day off) or 0 (a working day).")
                % {"value": flag}
            )
            continue
        weekday = (row.get("星期") or "").strip()
        if weekday and weekday != WEEKDAYS[day.weekday()]:
            report.errors.append(
                f"{row_label(number)}："
                + _("星期 “%(value)s” does not match %(date)s (it is %(weekday)s).")
                % {"value": weekday, "date": raw, "weekday": WEEKDAYS[day.weekday()]}
            )
            continue
        if day in parsed:
            report.errors.append(
                f"{row_label(number)}：" + _("西元日期 %(date)s appears twice.") % {"date": raw}
            )
            continue
        parsed[day] = (flag == "2", (row.get("備註") or "").strip()[:120])
    if not parsed and not report.errors:
        report.errors.append(_("The file has no dates."))
    if report.errors:
        return report
    report.years = sorted({d.year for d in parsed})
    CalendarDay.objects.filter(date__year__in=report.years).delete()
    CalendarDay.objects.bulk_create(
        CalendarDay(date=d, day_off=off, note=note) for d, (off, note) in sorted(parsed.items())
    )
    report.days = len(parsed)
    report.days_off = sum(1 for off, _note in parsed.values() if off)
    audit_record(
        actor=actor,
        action="calendar_imported",
        obj=CalendarDay.objects.get(date=min(parsed)),
        after={"years": report.years, "days": report.days, "days_off": report.days_off},
    )
    report.moved = _reapply(min(parsed), max(parsed), actor)
    return report


@transaction.atomic
def calendar_day_set(*, day: date, day_off: bool, note: str, actor) -> CalendarDay:
    """Record a holiday or a make-up working day by hand (the calendar page)."""
    entry, _created = CalendarDay.objects.update_or_create(
        date=day, defaults={"day_off": day_off, "note": note.strip()[:120]}
    )
    audit_record(
        actor=actor,
        action="calendar_day_set",
        obj=entry,
        after={"date": day.isoformat(), "day_off": day_off, "note": entry.note},
    )
    _reapply(day, day, actor)
    return entry


@transaction.atomic
def calendar_day_remove(*, day: date, actor) -> None:
    """Forget a day: it works again Monday to Friday, and is off on a weekend."""
    entry = CalendarDay.objects.filter(date=day).first()
    if entry is None:
        return
    audit_record(
        actor=actor,
        action="calendar_day_removed",
        obj=entry,
        before={"date": day.isoformat(), "day_off": entry.day_off, "note": entry.note},
    )
    entry.delete()
    _reapply(day, day, actor)


# ROC years a cycle may have: 民國1年 (1912) to 民國200年 (2111). A Gregorian year
# typed by mistake (2016 for 105) is outside and named as such.
MIN_YEAR, MAX_YEAR = 1, 200


def check_year(year: int, name: str | None = None) -> None:
    """Refuse year 0, negative and absurd years; `name` is how the caller calls it
    (`--year` in cycle_create; by default 「年度」)."""
    if MIN_YEAR <= year <= MAX_YEAR:
        return
    params = {
        "name": _("Year") if name is None else name,
        "year": year,
        "min": MIN_YEAR,
        "max": MAX_YEAR,
        "roc": year - 1911,
    }
    if year > 1911:
        raise CycleError(
            _(
                "%(name)s %(year)s is not a valid ROC year: it must be from %(min)s to %(max)s, e.g. 105; Gregorian %(year)s is ROC %(roc)s."
            )
            % params
        )
    raise CycleError(
        _(
            "%(name)s %(year)s is not a valid ROC year: it must be from %(min)s to %(max)s, e.g. 105."
        )
        % params
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
        problems.append(_("Unknown agencies: %(codes)s") % {"codes": ", ".join(unknown)})
    chosen = [found[c] for c in codes if c in found]
    other_city = [f"{a.code} ({a.city})" for a in chosen if a.city not in ("", program.city)]
    if other_city:
        problems.append(
            _("Agencies not of the program city %(city)s: %(agencies)s")
            % {"city": program.city, "agencies": ", ".join(other_city)}
        )
    inactive = [a.code for a in chosen if not a.active]
    if inactive:
        problems.append(_("Inactive agencies: %(codes)s") % {"codes": ", ".join(inactive)})
    off = [f"{a.code} ({a.category})" for a in chosen if a.active and a.category not in categories]
    if off:
        problems.append(
            _("Agency categories not in the program (%(categories)s): %(agencies)s")
            % {"categories": ", ".join(categories), "agencies": ", ".join(off)}
        )
    if problems:
        raise CycleError("；".join(problems))
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
        raise CycleError(_("The cycle of ROC year %(year)s already exists.") % {"year": year})
    if groups and agency_codes:
        raise CycleError(_("Give either groups or agencies, not both."))
    spec = program.spec
    categories = [c.code for c in spec.categories]
    if groups:
        known = set(Group.objects.filter(code__in=groups).values_list("code", flat=True))
        unknown = [g for g in groups if g not in known]
        if unknown:
            raise CycleError(_("Unknown groups: %(codes)s") % {"codes": ", ".join(unknown)})
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
    # The name is stored with the cycle: zh-Hant, as the program's own name.
    cycle = Cycle.objects.create(year=year, program=program, name=f"民國{year}年度 {program.name}")
    _create_milestones(cycle, spec)
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
            _("Scoring has started: the program version of the cycle can no longer change.")
        )
    before = cycle.program_id
    with transaction.atomic():
        cycle.program = program
        cycle.save(update_fields=["program"])
        cycle.milestones.all().delete()
        _create_milestones(cycle, program.spec)
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
        raise CycleError(_("This agency is not among those the cycle owes an evaluation (HSC-11)."))
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


@transaction.atomic
def program_confirm_with_points(*, program, points: dict, user) -> tuple[object, list, list]:
    """Issue 11 item 3, CITY-16: confirm a provisional program with edited points.
    A new, confirmed version is stored (`program_revise_points`). Cycles on the
    provisional version that have not started scoring follow the new version (their
    points were awaiting exactly this confirmation; their milestones are re-made from
    it, as `cycle_change_program` does); a cycle whose scoring has started keeps the
    version it scored with, banner included. Returns (new version, moved, kept)."""
    revised = program_revise_points(program=program, points=points, actor=user)
    moved, kept = [], []
    for cycle in Cycle.objects.filter(program=program).order_by("year"):
        if cycle.scoring_started_at is None:
            cycle_change_program(cycle=cycle, program=revised, user=user)
            moved.append(cycle)
        else:
            kept.append(cycle)
    return revised, moved, kept
