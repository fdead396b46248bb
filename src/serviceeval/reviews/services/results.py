"""Computing results, publication (freeze) and carry-over (HSC-9..11)."""

import gc
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connections, transaction
from django.utils import timezone

from serviceeval.agencies.models import Agency
from serviceeval.core.audit import audit_record
from serviceeval.cycles.models import CarryOver, Cycle, Participant
from serviceeval.engine import results as engine
from serviceeval.engine.program import ProgramSpec

from ..models import (
    Assignment,
    Exclusion,
    Result,
    Round,
    Score,
    SheetStatus,
    TieBreak,
)
from .base import ReviewError, conflicted_pairs, spec_of

# --- computing results -------------------------------------------------------------


@dataclass
class CycleData:
    spec: ProgramSpec
    participants: list[tuple[int, str, str, str | None]]  # agency_id, category, code, group
    inputs: list[engine.AgencyInput]
    submitted: dict[str, dict[tuple[int, int, str], Decimal]]  # round → (agency, reviewer, code)


def _converted_once(qs, chunk_size: int = 20000):
    """The rows of a `values_list` queryset, each distinct raw value converted once.

    Django converts every value it reads (on SQLite a score is a float made into a
    Decimal and quantized: ~1 s for 280,000 scores). A national cycle has a few
    hundred distinct scores, so the same backend and field converters are applied
    once per distinct value and the result reused: the values are exactly those
    `qs.iterator()` yields (SPEC §5 compute ≤ 2 s)."""
    compiler = qs.query.get_compiler(using=qs.db)
    sql, params = compiler.as_sql()
    converters = compiler.get_converters([col for col, _sql, _alias in compiler.select])
    connection = connections[qs.db]
    seen: dict[int, dict] = {i: {} for i in converters}

    def convert(i, raw):
        value = raw
        for fn in converters[i][0]:
            value = fn(value, converters[i][1], connection)
        return value

    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(chunk_size):
            if not converters:
                yield from batch
                continue
            for row in batch:
                row = list(row)
                for i, cache in seen.items():
                    raw = row[i]
                    if raw is None:
                        continue
                    try:
                        row[i] = cache[raw]
                    except KeyError:
                        row[i] = cache[raw] = convert(i, raw)
                yield tuple(row)


def load_cycle(cycle: Cycle) -> CycleData:
    """Everything the engine needs, in five queries."""
    spec = spec_of(cycle)
    participants = list(
        Participant.objects.filter(cycle=cycle)
        .order_by("agency__code")
        .values_list("agency_id", "category", "agency__code", "group__code")
    )
    expected: dict[tuple[str, int], set[int]] = defaultdict(set)
    for agency_id, reviewer_id, round_ in Assignment.objects.filter(cycle=cycle).values_list(
        "agency_id", "reviewer_id", "round"
    ):
        expected[(round_, agency_id)].add(reviewer_id)
    for agency_id, reviewer_id, round_ in Exclusion.objects.filter(cycle=cycle).values_list(
        "agency_id", "reviewer_id", "round"
    ):
        expected[(round_, agency_id)].discard(reviewer_id)
    for reviewer_id, agency_id in conflicted_pairs(cycle):
        for round_ in Round.values:
            expected[(round_, agency_id)].discard(reviewer_id)
    submitted: dict[str, dict] = {r: {} for r in Round.values}
    rows = (
        Score.objects.filter(
            sheet__cycle=cycle, sheet__status=SheetStatus.SUBMITTED, score__isnull=False
        )
        .order_by()
        .values_list("sheet__round", "sheet__agency_id", "sheet__reviewer_id", "criterion", "score")
    )
    by_agency: dict[tuple[str, int], dict[tuple[int, str], Decimal]] = defaultdict(dict)
    for round_, agency_id, reviewer_id, code, score in _converted_once(rows):
        submitted[round_][(agency_id, reviewer_id, code)] = score
        by_agency[(round_, agency_id)][(reviewer_id, code)] = score
    inputs = [
        engine.AgencyInput(
            agency_id=agency_id,
            group=group,
            category=category,
            expected=tuple(expected[(Round.FIRST, agency_id)]),
            scores=by_agency.get((Round.FIRST, agency_id), {}),
            re_expected=tuple(expected[(Round.RE_EVALUATION, agency_id)]),
            re_scores=by_agency.get((Round.RE_EVALUATION, agency_id), {}),
        )
        for agency_id, category, _code, group in participants
    ]
    return CycleData(spec, participants, inputs, submitted)


def compute_cycle(cycle: Cycle, data: CycleData | None = None) -> list[engine.AgencyResult]:
    # The load and the engine allocate ~1 million small acyclic objects (tuples,
    # Decimals): without a pause the cyclic collector walks the whole heap many
    # times over them (0.5 s of 1.7 s nationally). Reference counting still frees
    # everything; the collector resumes at the end.
    with cyclic_gc_paused():
        data = data or load_cycle(cycle)
        tie_breaks = dict(TieBreak.objects.filter(cycle=cycle).values_list("agency_id", "position"))
        return engine.compute_results(data.spec, data.inputs, tie_breaks)


@contextmanager
def cyclic_gc_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class ResultRow:
    """One line of the results table (live or published)."""

    agency_id: int
    code: str
    name: str
    group: str | None
    group_name: str
    status: str
    total: Decimal | None
    grade: str | None
    re_total: Decimal | None
    re_status: str
    final_grade: str | None
    rank: int | None
    reasons: list[str] = field(default_factory=list)
    tie_break: str = ""
    category: str = ""  # ranks are within (group, category): same rubric only


def results_table(cycle: Cycle) -> list[ResultRow]:
    """The published snapshot when the cycle is published, else computed now.
    Ordered by group, rank (incomplete last), agency code."""
    agencies = {
        a["pk"]: a
        for a in Agency.objects.filter(participations__cycle=cycle).values(
            "pk", "code", "name", "group__name"
        )
    }
    group_names = dict(
        Participant.objects.filter(cycle=cycle).values_list("group__code", "group__name")
    )
    ties = {
        t.agency_id: t.reason
        for t in TieBreak.objects.filter(cycle=cycle).only("agency_id", "reason")
    }
    rows: list[ResultRow] = []
    if cycle.results_published_at is not None:
        for r in Result.objects.filter(cycle=cycle):
            a = agencies.get(r.agency_id) or {"code": "", "name": ""}
            rows.append(
                ResultRow(
                    r.agency_id,
                    a["code"],
                    a["name"],
                    r.group or None,
                    group_names.get(r.group or None) or "",
                    r.status,
                    r.total,
                    r.grade or None,
                    r.re_total,
                    r.re_status,
                    r.final_grade or None,
                    r.rank,
                    tie_break=ties.get(r.agency_id, ""),
                    category=r.category,
                )
            )
    else:
        for r in compute_cycle(cycle):
            a = agencies[r.agency_id]
            rows.append(
                ResultRow(
                    r.agency_id,
                    a["code"],
                    a["name"],
                    r.group,
                    group_names.get(r.group) or "",
                    r.status,
                    r.total,
                    r.grade,
                    r.re_total,
                    r.re_status,
                    r.final_grade,
                    r.rank,
                    list(r.reasons),
                    ties.get(r.agency_id, ""),
                    r.category,
                )
            )
    rows.sort(key=lambda r: (r.group or "", r.category, r.rank is None, r.rank or 0, r.code))
    return rows


def results_json(cycle: Cycle) -> list[dict]:
    """The `compute_results --json` objects, in agency-code order.

    The fields named in issue 4 come first; `category` (the rank is within group
    and category) and the grades' names in words (甲/乙/丙 for A/B/C) are added
    for readers that show them."""
    spec = spec_of(cycle)
    grade_names = {g.code: g.name for g in spec.grades}
    rows = sorted(results_table(cycle), key=lambda r: r.code)
    return [
        {
            "agency": r.code,
            "name": r.name,
            "group": r.group,
            "status": r.status,
            "total": None if r.total is None else format(r.total, "f"),
            "grade": r.grade,
            "final_grade": r.final_grade,
            "rank": r.rank,
            "category": r.category,
            "grade_name": grade_names.get(r.grade),
            "final_grade_name": grade_names.get(r.final_grade),
        }
        for r in rows
    ]


# --- publication (freeze), carry-over (HSC-11) ---------------------------------------


@transaction.atomic
def publish_results(*, cycle: Cycle, actor) -> list[Result]:
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.results_published_at is not None:
        raise ReviewError("成績已公布 (results are already published)")
    results = compute_cycle(cycle)
    incomplete = [r for r in results if r.status != engine.COMPLETE]
    if not results:
        raise ReviewError("本年度沒有受評機關 (no participants)")
    if incomplete:
        codes = dict(
            Agency.objects.filter(pk__in=[r.agency_id for r in incomplete]).values_list(
                "pk", "name"
            )
        )
        names = "、".join(codes[r.agency_id] for r in incomplete[:10])
        more = f" 等 {len(incomplete)} 個" if len(incomplete) > 10 else ""
        raise ReviewError(
            f"尚有機關評分未完成，不可公布：{names}{more} "
            f"({len(incomplete)} participant(s) incomplete; publication refused)"
        )
    now = timezone.now()
    rows = [
        Result(
            cycle=cycle,
            agency_id=r.agency_id,
            group=r.group or "",
            category=r.category,
            status=r.status,
            total=r.total,
            grade=r.grade or "",
            re_total=r.re_total,
            re_status=r.re_status,
            final_grade=r.final_grade or "",
            rank=r.rank,
            detail=result_detail(r),
            published_at=now,
        )
        for r in results
    ]
    Result.objects.bulk_create(rows, batch_size=1000)
    cycle.results_published_at = now
    cycle.save(update_fields=["results_published_at"])
    _carry_over(cycle, results, actor)
    audit_record(
        actor=actor,
        action="results_published",
        obj=cycle,
        after={
            "results": [[r.agency_id, r.total, r.grade, r.final_grade, r.rank] for r in results]
        },
    )
    return rows


def result_detail(r: engine.AgencyResult) -> dict:
    def text(values):
        return {k: format(v, "f") for k, v in values.items()}

    detail = {"criteria": text(r.first.criterion_scores), "nodes": text(r.first.node_totals)}
    if r.re_evaluation is not None:
        detail["re_criteria"] = text(r.re_evaluation.criterion_scores)
        detail["re_nodes"] = text(r.re_evaluation.node_totals)
    return detail


def _carry_over(cycle: Cycle, results, actor) -> None:
    """HSC-11: a 丙 that stands after re-evaluation is evaluated next year."""
    spec = spec_of(cycle)
    rule = spec.re_evaluation
    if rule is None:
        return
    band = {g.code: g.name for g in spec.grades}.get(rule.grade, rule.grade)
    for r in results:
        if r.final_grade == rule.grade:
            CarryOver.objects.get_or_create(
                agency_id=r.agency_id,
                from_cycle=cycle,
                defaults={
                    "reason": f"民國{cycle.year}年度考列{band}且未通過複評 (HSC-11)",
                    "created_by": actor if getattr(actor, "pk", None) else None,
                },
            )


@transaction.atomic
def unfreeze_results(*, cycle: Cycle, reason: str, actor) -> None:
    if not reason.strip():
        raise ReviewError("解除凍結須說明理由 (a reason is required)")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.results_published_at is None:
        raise ReviewError("成績尚未公布 (results are not published)")
    before = list(
        Result.objects.filter(cycle=cycle).values_list(
            "agency_id", "total", "grade", "final_grade", "rank"
        )
    )
    Result.objects.filter(cycle=cycle).delete()
    carried = list(CarryOver.objects.filter(from_cycle=cycle).values_list("agency_id", flat=True))
    CarryOver.objects.filter(from_cycle=cycle).delete()
    cycle.results_published_at = None
    cycle.save(update_fields=["results_published_at"])
    audit_record(
        actor=actor,
        action="results_unfrozen",
        obj=cycle,
        before={"results": [list(b) for b in before], "carry_over": carried},
        reason=reason,
    )
