"""Writes of the field-tests app: record a call or a visit, and the all-or-nothing
imports (CITY-8, CITY-9). Every write is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal, InvalidOperation

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.agencies.enums import PersonRole
from serviceeval.agencies.models import Agency, Person
from serviceeval.core.audit import audit_bulk, audit_record
from serviceeval.core.models import AuditEvent
from serviceeval.core.numbers import decimal_shape_problem
from serviceeval.core.signals import FIELD_TESTS, announce_roster_inputs
from serviceeval.core.tabular import row_label
from serviceeval.core.uploads import IMAGE_EXTENSIONS, validate_upload
from serviceeval.engine import fieldtests as engine

from .models import MysteryVisit, PhoneTest, VisitPhoto
from .rules import may_be_named_tester

PHONE_COLUMNS = ("agency", "date", "tester", "tested_staff", "switchboard", "business")
VISIT_COLUMNS = ("agency", "date", "tester", "tested_staff", "score")
PHOTO_EXTENSIONS = IMAGE_EXTENSIONS | {".pdf"}


class FieldTestError(Exception):
    """A refused write; `str(exc)` is the message for the user, in the active language."""


@dataclass
class ImportReport:
    created: int = 0
    testers_added: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


# --- checks ------------------------------------------------------------------------------


def check_tester(user, agency) -> None:
    """A tester cannot test their own agency (CITY-8, CITY-9)."""
    if user.agency_id is not None and user.agency_id == agency.pk:
        raise FieldTestError(_("A tester cannot test their own agency."))


def check_in_year(cycle, moment: datetime) -> None:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    if local.year != cycle.gregorian_year:
        raise FieldTestError(
            _("The date must fall within ROC year %(year)s.") % {"year": cycle.year}
        )


def _frozen(cycle) -> None:
    if cycle.results_published_at is not None:
        raise FieldTestError(_("The results are published and frozen; no more tests can be added."))


def tested_staff_person(agency, cycle, name: str) -> Person | None:
    name = (name or "").strip()
    if not name:
        return None
    person, _ = Person.objects.get_or_create(
        agency=agency, cycle=cycle, role=PersonRole.TESTED_STAFF, name=name
    )
    return person


def _parts(cycle):
    return cycle.program.spec.phone_parts


def _sections(cycle):
    return cycle.program.spec.mystery_sections


def _refresh_roster(cycle) -> None:
    """The rules fed by field tests (CITY-12, CITY-13) follow every change at once."""
    announce_roster_inputs(cycle, FIELD_TESTS)


# --- telephone tests (CITY-9) ----------------------------------------------------------


@transaction.atomic
def phone_test_record(
    *,
    cycle,
    agency,
    tester,
    called_at: datetime,
    tested_parts: list[str],
    items: dict[str, bool],
    unit: str = "",
    number: str = "",
    rings: int | None = None,
    answer_seconds: int | None = None,
    tested_staff: str = "",
    notes: str = "",
    refresh: bool = True,
) -> PhoneTest:
    """Record a call checklist item by item; raw part scores follow from the items met."""
    _frozen(cycle)
    check_tester(tester, agency)
    check_in_year(cycle, called_at)
    parts = [p for p in _parts(cycle) if p.code in tested_parts]
    if not parts:
        raise FieldTestError(_("Test at least one part."))
    part_scores = {p.code: str(engine.raw_from_items(p, items)) for p in parts}
    kept = {i.code: bool(items.get(i.code)) for p in parts for i in p.items}
    test = PhoneTest.objects.create(
        cycle=cycle,
        agency=agency,
        tester=tester,
        called_at=called_at,
        unit=unit,
        number=number,
        part_scores=part_scores,
        items=kept,
        rings=rings,
        answer_seconds=answer_seconds,
        tested_staff=tested_staff_person(agency, cycle, tested_staff),
        notes=notes,
    )
    audit_record(
        actor=tester,
        action="phone_test_recorded",
        obj=test,
        after={
            "part_scores": part_scores,
            "items": kept,
            "score": engine.to_decimal(phone_score(cycle, part_scores)),
        },
    )
    if refresh:
        _refresh_roster(cycle)
    return test


def phone_score(cycle, part_scores: dict):
    """The call's exact score (Fraction), None when no part was tested."""
    raw = {code: Decimal(value) for code, value in part_scores.items()}
    return engine.call_score(_parts(cycle), raw)


@transaction.atomic
def record_delete(*, record, actor, reason: str) -> None:
    """The office removes a mistaken call or visit, with a reason (audited)."""
    _frozen(record.cycle)
    if not reason.strip():
        raise FieldTestError(_("Give the reason for deleting it."))
    if isinstance(record, PhoneTest):
        before = {"part_scores": record.part_scores, "items": record.items}
    else:
        before = {"score": str(record.score), "items": record.items}
    before.update(agency=record.agency_id, tester=record.tester_id)
    audit_record(
        actor=actor,
        action=f"{record._meta.model_name}_deleted",
        obj=record,
        before=before,
        reason=reason,
    )
    cycle = record.cycle
    record.delete()
    _refresh_roster(cycle)


# --- mystery-shopper visits (CITY-8) -----------------------------------------------------


@transaction.atomic
def mystery_visit_record(
    *,
    cycle,
    agency,
    tester,
    visited_at: datetime,
    items: dict[str, bool],
    counter: str = "",
    scenario: str = "",
    tested_staff: str = "",
    notes: str = "",
    photos=(),
    refresh: bool = True,
) -> MysteryVisit:
    _frozen(cycle)
    check_tester(tester, agency)
    check_in_year(cycle, visited_at)
    sections = _sections(cycle)
    if not sections:
        raise FieldTestError(_("The program has no mystery-shopper checklist."))
    kept = {i.code: bool(items.get(i.code)) for s in sections for i in s.items}
    score = engine.visit_score(sections, kept)
    for photo in photos:
        validate_upload(photo, allowed=PHOTO_EXTENSIONS)
    visit = MysteryVisit.objects.create(
        cycle=cycle,
        agency=agency,
        tester=tester,
        visited_at=visited_at,
        counter=counter,
        score=score,
        items=kept,
        scenario=scenario,
        notes=notes,
        tested_staff=tested_staff_person(agency, cycle, tested_staff),
    )
    for photo in photos:
        VisitPhoto.objects.create(
            visit=visit, file=photo, original_name=photo.name[:255], uploaded_by=tester
        )
    audit_record(
        actor=tester,
        action="mystery_visit_recorded",
        obj=visit,
        after={"score": score, "items": kept, "photos": len(photos)},
    )
    if refresh:
        _refresh_roster(cycle)
    return visit


# --- imports (all-or-nothing) --------------------------------------------------------------

_DATE_RE = re.compile(
    r"^(\d{2,4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$"
)


def parse_moment(text: str) -> datetime | None:
    """`2027-03-05`, `2027/3/5 14:30`, or ROC `116/03/05`; aware Asia/Taipei. None if bad."""
    m = _DATE_RE.match(text.strip())
    if not m:
        return None
    year, month, day = int(m[1]), int(m[2]), int(m[3])
    if year < 1911:
        year += 1911
    try:
        naive = datetime(year, month, day, int(m[4] or 9), int(m[5] or 0), int(m[6] or 0))
    except ValueError:
        return None
    if not m[4]:
        naive = datetime.combine(naive.date(), time(9, 0))
    return timezone.make_aware(naive)


def _agency_lookup(rows):
    keys = {r.get("agency", "") for _, r in rows}
    found = {}
    for a in Agency.objects.filter(code__in=keys):
        found[a.code] = a
    for a in Agency.objects.filter(name__in=keys):
        found.setdefault(a.name, a)
    return found


def _common(cycle, rows, add_testers, problems_of):
    """Check agency, date and tester of each row: [(number, row, agency, moment, name, tester)];
    problems go to `problems_of[number]`."""
    agencies = _agency_lookup(rows)
    usernames = {r.get("tester", "") for _, r in rows}
    testers = {u.username: u for u in User.objects.filter(username__in=usernames)}
    checked = []
    for number, row in rows:
        problems = []
        agency = agencies.get(row.get("agency", ""))
        if agency is None:
            problems.append(
                _("agency “%(agency)s” does not exist") % {"agency": row.get("agency", "")}
            )
        moment = parse_moment(row.get("date", ""))
        if moment is None:
            problems.append(
                _("date “%(date)s” cannot be read (write it like 2027-03-05 or 116/03/05)")
                % {"date": row.get("date", "")}
            )
        elif timezone.localtime(moment).year != cycle.gregorian_year:
            problems.append(
                _("date “%(date)s” is not within ROC year %(year)s")
                % {"date": row.get("date", ""), "year": cycle.year}
            )
        name = row.get("tester", "")
        tester = testers.get(name)
        if not name:
            problems.append(_("column “%(column)s” is empty") % {"column": "tester"})
        elif tester is None and not add_testers:
            problems.append(
                _("tester “%(name)s” does not exist; add --add-testers to create the account")
                % {"name": name}
            )
        elif tester is not None and not may_be_named_tester(tester):
            problems.append(_("user “%(name)s” is not a tester") % {"name": name})
        elif tester is not None and agency is not None and tester.agency_id == agency.pk:
            problems.append(_("tester “%(name)s” cannot test their own agency") % {"name": name})
        if len(row.get("tested_staff", "")) > 80:
            problems.append(_too_long("tested_staff", 80))
        if add_testers and tester is None and len(name) > 150:
            problems.append(_too_long("tester", 150))
        problems_of[number] = problems
        checked.append((number, row, agency, moment, name, tester))
    return checked


def _too_long(column: str, limit: int) -> str:
    return _("column “%(column)s” is longer than %(limit)s characters") % {
        "column": column,
        "limit": limit,
    }


def _column_problem(column: str, problem: str) -> str:
    """A cell's problem named by its column (zh-Hant: 「score」欄須介於 0 與 100 之間)."""
    return _("column “%(column)s”: %(problem)s") % {"column": column, "problem": problem}


def _not_a_number(text: str) -> str:
    return _("“%(text)s” is not a number") % {"text": text}


def _frozen_import() -> str:
    return _("The results are published and frozen; nothing can be imported.")


def _testers_for(checked, add_testers, report):
    made = {}
    for _n, _row, _agency, _m, name, tester in checked:
        if tester is None and name and name not in made:
            user = User(username=name, role=Role.TESTER)
            user.set_unusable_password()
            user.save()
            made[name] = user
            report.testers_added.append(name)
    return made


def _people(cycle, checked):
    """Tested staff as Person rows of the agency (created when new), one query each way."""
    wanted = {
        (a.pk, r.get("tested_staff", "")) for _n, r, a, *_ in checked if r.get("tested_staff")
    }
    existing = {
        (p.agency_id, p.name): p
        for p in Person.objects.filter(
            cycle=cycle, role=PersonRole.TESTED_STAFF, agency_id__in={a for a, _ in wanted}
        )
    }
    new = [
        Person(agency_id=a, cycle=cycle, role=PersonRole.TESTED_STAFF, name=n)
        for a, n in sorted(wanted)
        if (a, n) not in existing
    ]
    Person.objects.bulk_create(new, batch_size=1000)
    if new:
        existing = {
            (p.agency_id, p.name): p
            for p in Person.objects.filter(
                cycle=cycle, role=PersonRole.TESTED_STAFF, agency_id__in={a for a, _ in wanted}
            )
        }
    return existing


def _analyze(model, n: int) -> None:
    """Fresh planner statistics after a bulk load on PostgreSQL, so the pages that read
    the records next use good plans (as the score import does)."""
    if connection.vendor == "postgresql" and n > 1000:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def _audit_import(action, cycle, objs, actor):
    now_events = [
        AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=o._meta.label_lower,
            object_id=str(o.pk),
            agency_id=o.agency_id,
            before={},
            after=after,
            reason="import",
        )
        for o, after in objs
    ]
    audit_bulk(now_events)


def phone_tests_import(*, cycle, rows, add_testers=False, actor=None) -> ImportReport:
    """CITY-9 import: one row per call, raw part scores (empty = part not tested)."""
    report = ImportReport()
    if cycle.results_published_at is not None:
        report.errors.append(_frozen_import())
        return report
    parts = _parts(cycle)
    if not parts:
        report.errors.append(_("The program has no telephone checklist."))
        return report
    problems_of: dict[int, list[str]] = {}
    checked = _common(cycle, rows, add_testers, problems_of)
    scores = {}
    for number, row, *_rest in checked:
        problems = problems_of[number]
        values = {}
        bad_part = False
        for part in parts:
            text = row.get(part.code, "")
            if text == "":
                continue
            try:
                value = Decimal(text)
            except InvalidOperation:
                problems.append(_column_problem(part.code, _not_a_number(text)))
                bad_part = True
                continue
            # The shape before any arithmetic (issue 9, F4: 1E-999999999 pinned the CPU).
            problem = (
                decimal_shape_problem(value, text) if value.is_finite() else ""
            ) or engine.validate_raw(value, part.max_points)
            if problem:
                problems.append(_column_problem(part.code, problem))
                bad_part = True
                continue
            values[part.code] = str(value)
        if not values and not bad_part:
            problems.append(_("at least one part must have a score"))
        scores[number] = values
    _refuse_identical(
        checked, problems_of, lambda n: tuple(sorted((c, Decimal(v)) for c, v in scores[n].items()))
    )
    if _errors(problems_of, report):
        return report
    with transaction.atomic():
        made = _testers_for(checked, add_testers, report)
        people = _people(cycle, checked)
        objs = [
            PhoneTest(
                cycle=cycle,
                agency=agency,
                tester=tester or made[name],
                called_at=moment,
                part_scores=scores[number],
                items={},
                imported=True,
                tested_staff=people.get((agency.pk, row.get("tested_staff", ""))),
            )
            for number, row, agency, moment, name, tester in checked
        ]
        PhoneTest.objects.bulk_create(objs, batch_size=1000)
        _analyze(PhoneTest, len(objs))
        _audit_import(
            "phone_test_imported", cycle, [(o, {"part_scores": o.part_scores}) for o in objs], actor
        )
        report.created = len(objs)
        _refresh_roster(cycle)
    return report


def mystery_visits_import(*, cycle, rows, add_testers=False, actor=None) -> ImportReport:
    """CITY-8 import: one row per visit, score out of 100."""
    report = ImportReport()
    if cycle.results_published_at is not None:
        report.errors.append(_frozen_import())
        return report
    problems_of: dict[int, list[str]] = {}
    checked = _common(cycle, rows, add_testers, problems_of)
    scores = {}
    for number, row, *_rest in checked:
        text = row.get("score", "")
        problem = ""
        try:
            value = Decimal(text)
            # The shape before any arithmetic (issue 9, F4), then the range.
            problem = (
                decimal_shape_problem(value, text) if value.is_finite() else ""
            ) or engine.validate_raw(value, engine.HUNDRED)
        except InvalidOperation:
            value = None
            problem = _not_a_number(text)
        if problem:
            problems_of[number].append(_column_problem("score", problem))
        scores[number] = value
    _refuse_identical(checked, problems_of, lambda n: scores[n])
    if _errors(problems_of, report):
        return report
    with transaction.atomic():
        made = _testers_for(checked, add_testers, report)
        people = _people(cycle, checked)
        objs = [
            MysteryVisit(
                cycle=cycle,
                agency=agency,
                tester=tester or made[name],
                visited_at=moment,
                score=scores[number],
                items={},
                imported=True,
                tested_staff=people.get((agency.pk, row.get("tested_staff", ""))),
            )
            for number, row, agency, moment, name, tester in checked
        ]
        MysteryVisit.objects.bulk_create(objs, batch_size=1000)
        _analyze(MysteryVisit, len(objs))
        _audit_import(
            "mystery_visit_imported", cycle, [(o, {"score": str(o.score)}) for o in objs], actor
        )
        report.created = len(objs)
        _refresh_roster(cycle)
    return report


def _refuse_identical(checked, problems_of, scores_of) -> None:
    """A row identical to an earlier one (same agency, moment, tester, tested staff and
    scores, as read: `45` is `45.0`, a code is the agency's name) is refused naming
    both rows (issue 9, F14): an exported file pasted twice must not count twice.
    Rows with problems of their own are left to those."""
    first: dict[tuple, int] = {}
    for number, row, agency, moment, name, _tester in checked:
        if problems_of[number]:
            continue
        key = (agency.pk, moment, name, row.get("tested_staff", ""), scores_of(number))
        if key in first:
            problems_of[number].append(
                _(
                    "identical to row %(row)d (same agency, date, tester, tested staff and scores); if these are two tests, add the time or the tested staff to tell them apart"
                )
                % {"row": first[key]}
            )
        else:
            first[key] = number


def _errors(problems_of: dict[int, list[str]], report: ImportReport) -> bool:
    """One line per bad row, in row order."""
    for number in sorted(problems_of):
        if problems_of[number]:
            report.errors.append(f"{row_label(number)}：" + "；".join(problems_of[number]))
    if not problems_of:
        report.errors.append(_("The file has no data rows."))
    return bool(report.errors)
