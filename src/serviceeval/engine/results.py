"""Panel scores → results, by the program's rules (HSC-9, HSC-10, SPEC §3.3). No Django.

Formulae (see docs/REVIEWS.md):

* criterion score = aggregate(the submitted scores of the agency's expected reviewers):
  mean (default), median, or trimmed mean (drop `trim` scores at each end; with too few
  scores to trim, the plain mean);
* node total = sum of its children; final total = sum of the top-level nodes;
* every intermediate value is exact (Decimal at 60 digits); only the final total is
  rounded, to `places` decimals with the program's rounding (half up by default);
* grade = the band that holds the *rounded* total;
* a missing score (an expected reviewer without a submitted score) makes the agency
  `incomplete`: no total, no grade, no rank — never a zero;
* re-evaluation (HSC-10) is a separate round computed the same way; a graded
  agency in the re-evaluated band passes when its re-evaluation total ≥ pass mark,
  and its final grade becomes the pass grade; the first-round grade is kept;
* ranks within a group by the rounded total, ties share a rank (1, 1, 3); a
  recorded tie-break orders agencies inside a tie. Agencies are only ranked
  against those scored on the same rubric: within (group, category), so a program
  without groups (CITY) ranks each category on its own, never overall service
  against project planning.
"""

from __future__ import annotations

import decimal
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from .program import Category, ProgramSpec, Scoring

COMPLETE = "complete"
INCOMPLETE = "incomplete"

_EXACT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)
_ROUNDINGS = {"half_up": decimal.ROUND_HALF_UP, "half_even": decimal.ROUND_HALF_EVEN}


def aggregate(values: list[Decimal], scoring: Scoring) -> Decimal:
    """One criterion's panel score from its reviewers' scores (exact, unrounded)."""
    if not values:
        raise ValueError("no scores")
    ordered = sorted(values)
    n = len(ordered)
    with decimal.localcontext(_EXACT):
        if scoring.aggregation == "median":
            mid = n // 2
            if n % 2:
                return ordered[mid]
            return (ordered[mid - 1] + ordered[mid]) / 2
        if scoring.aggregation == "trimmed_mean" and n > 2 * scoring.trim:
            ordered = ordered[scoring.trim : n - scoring.trim]
        return sum(ordered, Decimal(0)) / len(ordered)


def _means(
    leaves, n: int, sums: Mapping[str, tuple[Decimal, int]], scoring: Scoring
) -> dict[str, Decimal]:
    """The mean of each leaf from its (sum, count): what `aggregate` gives for the
    same values, since an exact sum does not depend on the order of adding."""
    if scoring.aggregation != "mean" or n == 0:
        raise ValueError("sums stand for scores only under the mean, with reviewers")
    out: dict[str, Decimal] = {}
    with decimal.localcontext(_EXACT):
        for leaf in leaves:
            total, count = sums.get(leaf.code, (None, 0))
            if count != n:
                raise ValueError(f"{leaf.code}: {count} of {n} scores; give the scores")
            out[leaf.code] = total / n
    return out


def round_total(total: Decimal, scoring: Scoring) -> Decimal:
    exponent = Decimal(1).scaleb(-scoring.places)
    return total.quantize(exponent, rounding=_ROUNDINGS.get(scoring.rounding, "ROUND_HALF_UP"))


@dataclass(frozen=True)
class RoundOutcome:
    """One agency, one round."""

    status: str
    criterion_scores: dict[str, Decimal]  # leaf code → exact panel score
    node_totals: dict[str, Decimal]  # every node code → exact sum (complete nodes only)
    total_exact: Decimal | None
    total: Decimal | None  # rounded, only when complete
    missing: tuple[tuple[int, str], ...] = ()  # (reviewer_id, criterion code)
    reviewers: tuple[int, ...] = ()


def compute_round(
    category: Category,
    expected_reviewers: Iterable[int],
    scores: Mapping[tuple[int, str], Decimal],
    scoring: Scoring,
    sums: Mapping[str, tuple[Decimal, int]] | None = None,
) -> RoundOutcome:
    """`scores` maps (reviewer_id, leaf code) → score for submitted sheets.
    Scores of reviewers not expected are ignored.

    `sums`, for the mean only, maps each leaf code → (sum, count) of the expected
    reviewers' scores, already added up (by the database). It stands for `scores`
    only when every expected reviewer scored every leaf; a round with a gap must
    come with its `scores`, which name what is missing."""
    expected = tuple(sorted(set(expected_reviewers)))
    leaves = category.leaf_nodes
    criterion_scores: dict[str, Decimal] = {}
    missing: list[tuple[int, str]] = []
    if sums is not None:
        criterion_scores = _means(leaves, len(expected), sums, scoring)
        leaves = ()
    for leaf in leaves:
        values = []
        for reviewer in expected:
            value = scores.get((reviewer, leaf.code))
            if value is None:
                missing.append((reviewer, leaf.code))
            else:
                values.append(value)
        if values and len(values) == len(expected):
            criterion_scores[leaf.code] = aggregate(values, scoring)
    node_totals: dict[str, Decimal] = {}
    with decimal.localcontext(_EXACT):
        for code, leaf, children in category.bottom_up:
            if leaf:
                if code in criterion_scores:
                    node_totals[code] = criterion_scores[code]
                continue
            value = Decimal(0)
            for child in children:
                if child not in node_totals:
                    break  # an incomplete child: no total for this node
                value += node_totals[child]
            else:
                node_totals[code] = value
    tops = [node_totals.get(node.code) for node in category.rubric]
    if not expected or missing or any(t is None for t in tops):
        return RoundOutcome(
            INCOMPLETE, criterion_scores, node_totals, None, None, tuple(missing), expected
        )
    with decimal.localcontext(_EXACT):
        exact = sum(tops, Decimal(0))
    return RoundOutcome(
        COMPLETE, criterion_scores, node_totals, exact, round_total(exact, scoring), (), expected
    )


@dataclass(frozen=True)
class AgencyInput:
    agency_id: int
    group: str | None
    category: str
    expected: tuple[int, ...]  # reviewers of the first round (assigned − excluded)
    scores: Mapping[tuple[int, str], Decimal]
    re_expected: tuple[int, ...] = ()
    re_scores: Mapping[tuple[int, str], Decimal] = field(default_factory=dict)
    # Leaf code → (sum, count), standing for `scores` / `re_scores` of a round in
    # which every expected reviewer scored every leaf (see `compute_round`).
    sums: Mapping[str, tuple[Decimal, int]] | None = None
    re_sums: Mapping[str, tuple[Decimal, int]] | None = None


@dataclass
class AgencyResult:
    agency_id: int
    group: str | None
    category: str
    status: str
    total: Decimal | None
    grade: str | None
    final_grade: str | None
    rank: int | None
    first: RoundOutcome
    re_evaluation: RoundOutcome | None = None
    re_status: str = ""  # "" (not needed) | pending | passed | failed
    reasons: list[str] = field(default_factory=list)

    @property
    def re_total(self) -> Decimal | None:
        return self.re_evaluation.total if self.re_evaluation else None


def grade_of(spec: ProgramSpec, total: Decimal) -> str:
    return spec.grade_for(total)


def compute_results(
    spec: ProgramSpec,
    inputs: Iterable[AgencyInput],
    tie_breaks: Mapping[int, int] | None = None,
) -> list[AgencyResult]:
    """The whole cycle: one AgencyResult per input, in input order."""
    scoring = spec.scoring
    re_rule = spec.re_evaluation
    categories = {c.code: c for c in spec.categories}
    out: list[AgencyResult] = []
    for item in inputs:
        category = categories[item.category]
        first = compute_round(category, item.expected, item.scores, scoring, item.sums)
        result = AgencyResult(
            agency_id=item.agency_id,
            group=item.group,
            category=item.category,
            status=first.status,
            total=first.total,
            grade=None,
            final_grade=None,
            rank=None,
            first=first,
        )
        if first.status == INCOMPLETE:
            if not first.reviewers:
                result.reasons.append("no_reviewers")
            else:
                result.reasons.append("missing_scores")
        else:
            result.grade = grade_of(spec, first.total)
            result.final_grade = result.grade
            if re_rule is not None and result.grade == re_rule.grade:
                second = compute_round(
                    category, item.re_expected, item.re_scores, scoring, item.re_sums
                )
                result.re_evaluation = second
                if second.status == INCOMPLETE:
                    # The final grade waits for the re-evaluation (HSC-10).
                    result.status = INCOMPLETE
                    result.final_grade = None
                    result.re_status = "pending"
                    result.reasons.append("re_evaluation_pending")
                elif second.total >= re_rule.pass_mark:
                    result.re_status = "passed"
                    result.final_grade = re_rule.pass_grade
                else:
                    result.re_status = "failed"
        out.append(result)
    ranks = rank_within_groups(
        [
            (r.agency_id, (r.group, r.category), r.total if r.first.status == COMPLETE else None)
            for r in out
        ],
        tie_breaks or {},
    )
    for r in out:
        r.rank = ranks.get(r.agency_id)
    return out


def rank_within_groups(
    rows: Iterable[tuple[int, Hashable, Decimal | None]],
    tie_breaks: Mapping[int, int],
) -> dict[int, int]:
    """Competition ranking (1, 1, 3) per group by rounded total, highest first.

    Inside a tie, agencies with a recorded tie-break position are ordered by it
    (lower first); agencies without one, or with equal positions, share a rank."""
    by_group: dict[Hashable, list[tuple[int, Decimal]]] = defaultdict(list)
    for agency_id, group, total in rows:
        if total is not None:
            by_group[group].append((agency_id, total))
    ranks: dict[int, int] = {}
    for members in by_group.values():
        members.sort(key=lambda m: (-m[1], m[0]))
        i = 0
        while i < len(members):
            j = i
            while j < len(members) and members[j][1] == members[i][1]:
                j += 1
            block = members[i:j]
            keyed = sorted(block, key=lambda m: (tie_breaks.get(m[0], 1 << 30), m[0]))
            k = 0
            while k < len(keyed):
                key = tie_breaks.get(keyed[k][0], 1 << 30)
                m = k
                while m < len(keyed) and tie_breaks.get(keyed[m][0], 1 << 30) == key:
                    ranks[keyed[m][0]] = i + 1 + k
                    m += 1
                k = m
            i = j
    return ranks


def tied_blocks(results: Iterable[AgencyResult]) -> list[list[AgencyResult]]:
    """Groups of complete agencies in one group with the same rounded total."""
    blocks: dict[tuple, list[AgencyResult]] = defaultdict(list)
    for r in results:
        if r.first.status == COMPLETE:
            blocks[(r.group, r.total)].append(r)
    return [b for b in blocks.values() if len(b) > 1]
