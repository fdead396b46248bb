"""Reads of the field-tests app. Other apps rely on `field_test_figures` (keep its signature)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from serviceeval.agencies.models import Agency
from serviceeval.core.memo import memo, revision
from serviceeval.engine import fieldtests as engine

from . import rules
from .models import MysteryVisit, PhoneTest, VisitPhoto


def _call_scores(cycle, agency_ids=None, *, with_time=False):
    """[(agency_id, call score, called_at or None)] in one query; the engine computes the
    scores (the time only when asked: converting 24,000 datetimes costs)."""
    parts = cycle.program.spec.phone_parts
    qs = PhoneTest.objects.filter(cycle=cycle)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    out = []
    seen: dict = {}  # calls repeat the same part scores: score each once
    rows = (
        qs.values_list("agency_id", "part_scores", "called_at")
        if with_time
        else ((a, r, None) for a, r in qs.values_list("agency_id", "part_scores"))
    )
    for agency_id, raw, called_at in rows:
        key = tuple(sorted(raw.items()))
        if key not in seen:
            seen[key] = engine.call_score(parts, {k: Decimal(v) for k, v in key})
        score = seen[key]
        if score is not None:
            out.append((agency_id, score, called_at))
    return out


def _visit_scores(cycle, agency_ids=None, *, with_time=False):
    qs = MysteryVisit.objects.filter(cycle=cycle)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    if with_time:
        return list(qs.values_list("agency_id", "score", "visited_at"))
    return [(a, s, None) for a, s in qs.values_list("agency_id", "score")]


def averages(cycle, agency_ids=None) -> dict:
    """CITY-8/9 yearly averages: {"phone": {agency_id: published average}, "mystery": {...}},
    Decimals of 2 decimals (the exact mean rounded once, half up): the figure shown is
    the figure the reward rules compare and rank (SPEC §3.3)."""
    return {
        "phone": engine.yearly_averages((a, s) for a, s, _ in _call_scores(cycle, agency_ids)),
        "mystery": engine.yearly_averages((a, s) for a, s, _ in _visit_scores(cycle, agency_ids)),
    }


def field_test_figures(*, cycle, agency_ids) -> dict:
    """{agency_id: {"phone": Decimal|None, "mystery": Decimal|None, "phone_calls": int,
    "mystery_visits": int}} for the cycle year: shown beside rubric leaves whose
    `field_test` names them (e.g. 1.2.1.2.1 in hsinchu-105). Averages are the published
    figures (`engine.fieldtests.published`, 2 decimals).
    Two queries."""
    ids = list(agency_ids)
    out = {a: {"phone": None, "mystery": None, "phone_calls": 0, "mystery_visits": 0} for a in ids}
    calls = _call_scores(cycle, ids)
    visits = _visit_scores(cycle, ids)
    for a, _s, _t in calls:
        out[a]["phone_calls"] += 1
    for a, _s, _t in visits:
        out[a]["mystery_visits"] += 1
    for a, avg in engine.yearly_averages((a, s) for a, s, _ in calls).items():
        out[a]["phone"] = engine.to_decimal(avg)
    for a, avg in engine.yearly_averages((a, s) for a, s, _ in visits).items():
        out[a]["mystery"] = engine.to_decimal(avg)
    return out


def yearly_figures_of_agency(*, cycles, agency_id) -> dict:
    """Issue 12 item 3: one agency's published telephone and mystery-shopper yearly
    averages in each of `cycles` (CITY-8/9): {cycle_id: {"phone": Decimal|None,
    "mystery": Decimal|None, "phone_calls": int, "mystery_visits": int}}. Two queries
    however many cycles; each call is scored under its own cycle's program."""
    cycles = list(cycles)
    parts = {c.pk: c.program.spec.phone_parts for c in cycles}
    out = {
        c.pk: {"phone": None, "mystery": None, "phone_calls": 0, "mystery_visits": 0}
        for c in cycles
    }
    seen: dict = {}
    calls = []
    for cycle_id, raw in PhoneTest.objects.filter(
        cycle_id__in=list(parts), agency_id=agency_id
    ).values_list("cycle_id", "part_scores"):
        key = (cycle_id, tuple(sorted(raw.items())))
        if key not in seen:
            seen[key] = engine.call_score(parts[cycle_id], {k: Decimal(v) for k, v in key[1]})
        if seen[key] is not None:
            calls.append((cycle_id, seen[key]))
            out[cycle_id]["phone_calls"] += 1
    visits = list(
        MysteryVisit.objects.filter(cycle_id__in=list(parts), agency_id=agency_id).values_list(
            "cycle_id", "score"
        )
    )
    for cycle_id, _score in visits:
        out[cycle_id]["mystery_visits"] += 1
    for cycle_id, avg in engine.yearly_averages(calls).items():
        out[cycle_id]["phone"] = avg
    for cycle_id, avg in engine.yearly_averages(visits).items():
        out[cycle_id]["mystery"] = avg
    return out


def overview(cycle) -> list[dict]:
    """One row per agency with any field test: averages, counts, mystery rank."""
    calls = _call_scores(cycle)
    visits = _visit_scores(cycle)
    phone = engine.yearly_averages((a, s) for a, s, _ in calls)
    mystery = engine.yearly_averages((a, s) for a, s, _ in visits)
    phone_rank = engine.rank(phone)
    mystery_rank = engine.rank(mystery)
    counts_p: dict[int, int] = {}
    counts_m: dict[int, int] = {}
    for a, *_ in calls:
        counts_p[a] = counts_p.get(a, 0) + 1
    for a, *_ in visits:
        counts_m[a] = counts_m.get(a, 0) + 1
    ids = set(phone) | set(mystery)
    agencies = Agency.objects.filter(pk__in=ids).only("pk", "code", "name").order_by("code")
    return [
        {
            "agency": a,
            "phone": phone.get(a.pk),
            "phone_calls": counts_p.get(a.pk, 0),
            "phone_rank": phone_rank.get(a.pk),
            "mystery": mystery.get(a.pk),
            "mystery_visits": counts_m.get(a.pk, 0),
            "mystery_rank": mystery_rank.get(a.pk),
        }
        for a in agencies
    ]


def monthly_trend(cycle, agency_id=None) -> list[dict]:
    """Telephone and visit averages per month of the cycle year (months with data).

    The database groups the records by month and by identical scores, so Python scores
    each distinct (month, part scores) once, however many calls there are."""
    tz = timezone.get_current_timezone()
    parts = cycle.program.spec.phone_parts
    calls = PhoneTest.objects.filter(cycle=cycle)
    visits = MysteryVisit.objects.filter(cycle=cycle)
    if agency_id:
        calls, visits = calls.filter(agency_id=agency_id), visits.filter(agency_id=agency_id)
    by: dict[int, dict[str, list]] = {}

    def bucket(month):
        return by.setdefault(month, {"phone": [], "mystery": []})

    grouped_calls = (
        calls.annotate(month=ExtractMonth("called_at", tzinfo=tz))
        .values("month", "part_scores")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped_calls:
        raw = row["part_scores"]
        score = engine.call_score(parts, {k: Decimal(v) for k, v in raw.items()})
        if score is not None:
            bucket(row["month"])["phone"].append((score, row["n"]))
    grouped_visits = (
        visits.annotate(month=ExtractMonth("visited_at", tzinfo=tz))
        .values("month", "score")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in grouped_visits:
        bucket(row["month"])["mystery"].append((row["score"], row["n"]))
    return [
        {
            "month": m,
            "phone": _weighted(v["phone"]),
            "phone_calls": sum(n for _s, n in v["phone"]),
            "mystery": _weighted(v["mystery"]),
            "mystery_visits": sum(n for _s, n in v["mystery"]),
        }
        for m, v in sorted(by.items())
    ]


def _weighted(pairs):
    """The exact mean of scores given as (score, how many times)."""
    total = sum(n for _s, n in pairs)
    if not total:
        return None
    return sum((Fraction(s) * n for s, n in pairs), Fraction(0)) / total


def faults(cycle, source: str = "phone", agency_id=None) -> list[dict]:
    """Most common faults: checklist items not met, counted over calls (visits) recorded
    item by item; imported records carry no item detail and do not count."""
    spec = cycle.program.spec
    parts = spec.phone_parts if source == "phone" else spec.mystery_sections
    model = PhoneTest if source == "phone" else MysteryVisit
    qs = model.objects.filter(cycle=cycle, imported=False)
    if agency_id:
        qs = qs.filter(agency_id=agency_id)
    records = list(qs.values_list("items", flat=True))
    names = {i.code: (p.name, i.name, i.points) for p in parts for i in p.items}
    counted = engine.common_faults(records, names)
    with_items = sum(1 for r in records if r)
    return [
        {
            "code": code,
            "part": names[code][0],
            "item": names[code][1],
            "points": names[code][2],
            "count": n,
            "of": with_items,
        }
        for code, n in counted
    ]


def phone_tests_visible_to(user) -> QuerySet[PhoneTest]:
    qs = PhoneTest.objects.select_related("agency", "tester", "tested_staff", "cycle")
    if rules.sees_every_record(user):
        return qs
    if rules.sees_own_records(user):
        return qs.filter(tester=user)
    return qs.none()


def visits_visible_to(user) -> QuerySet[MysteryVisit]:
    qs = MysteryVisit.objects.select_related("agency", "tester", "tested_staff", "cycle")
    if rules.sees_every_record(user):
        return qs
    if rules.sees_own_records(user):
        return qs.filter(tester=user)
    return qs.none()


def agencies_testable_by(user, cycle):
    """Agencies a tester may test in the cycle: participants (or all active agencies
    when the cycle has none), never the tester's own agency."""
    qs = Agency.objects.filter(active=True)
    if cycle.participants.exists():
        qs = qs.filter(participations__cycle=cycle)
    if user.agency_id:
        qs = qs.exclude(pk=user.agency_id)
    return qs.order_by("code")


def photos_visible_to(user) -> QuerySet[VisitPhoto]:
    """Visit photos: of the visits the user sees."""
    return VisitPhoto.objects.filter(visit__in=visits_visible_to(user))


# --- the records list (issue 12 item 4) ------------------------------------------------

PHONE, MYSTERY = "phone", "mystery"


def _record_index(user, cycle) -> list[tuple]:
    """[(kind, pk, at, agency name, agency code, score)] of every call and visit of the
    cycle the user sees: two queries, each distinct set of part scores scored once.
    The office's (24,000 + 8,000 rows nationally) once per data revision (core.memo);
    a tester's own few each time (no memo entry per tester)."""

    def compute():
        rows = []
        parts = cycle.program.spec.phone_parts
        seen: dict = {}
        for pk, at, name, code, raw in (
            phone_tests_visible_to(user)
            .filter(cycle=cycle)
            .values_list("pk", "called_at", "agency__name", "agency__code", "part_scores")
        ):
            key = tuple(sorted(raw.items()))
            if key not in seen:
                seen[key] = engine.call_score(parts, {k: Decimal(v) for k, v in key})
            rows.append((PHONE, pk, at, name, code, seen[key]))
        for pk, at, name, code, score in (
            visits_visible_to(user)
            .filter(cycle=cycle)
            .values_list("pk", "visited_at", "agency__name", "agency__code", "score")
        ):
            rows.append((MYSTERY, pk, at, name, code, score))
        return rows

    if rules.sees_every_record(user):
        return memo(("fieldtests-records", cycle.pk, cycle.created), revision(), compute)
    return compute()


_RECORD_ORDER = {
    "date": lambda r: (r[2], r[1]),
    "agency": lambda r: (r[3], r[4], r[2], r[1]),
    # An untested call (no score) sorts as the lowest.
    "score": lambda r: (r[5] is not None, r[5] or 0, r[2], r[1]),
}


def record_rows(user, cycle, listing) -> list[tuple]:
    """The records list (`fieldtests.views.RECORD_LIST`): the calls and visits of the
    cycle that the user sees, searched by agency code or name, filtered by kind
    (`phone`, `mystery`), in the listing's order (date, agency or score; newest
    first by default): [(kind, pk)]. Call scores are not stored, so the search and
    the order are made here, on `_record_index`."""
    kind = listing.get("kind")
    needle = listing.q.casefold()
    rows = [
        r
        for r in _record_index(user, cycle)
        if kind in ("", r[0])
        and (not needle or needle in r[3].casefold() or needle in r[4].casefold())
    ]
    rows.sort(
        key=_RECORD_ORDER.get(listing.sort_key, _RECORD_ORDER["date"]), reverse=listing.descending
    )
    return [(r[0], r[1]) for r in rows]


def records_of(rows) -> list:
    """The calls and visits of these (kind, pk) rows, in their order: two queries."""
    calls = PhoneTest.objects.select_related("agency", "tester", "cycle").in_bulk(
        [pk for kind, pk in rows if kind == PHONE]
    )
    visits = MysteryVisit.objects.select_related("agency", "tester").in_bulk(
        [pk for kind, pk in rows if kind == MYSTERY]
    )
    found = {PHONE: calls, MYSTERY: visits}
    return [found[kind][pk] for kind, pk in rows if pk in found[kind]]
