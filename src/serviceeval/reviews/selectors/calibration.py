"""Reads for calibration (the panel meeting): first-round scores of submitted
sheets, the engine's reviewer statistics and flagged criteria, once per data
revision; one agency's sheets side by side."""

from __future__ import annotations

from serviceeval.accounts.models import User
from serviceeval.agencies.models import Agency
from serviceeval.core.listing import ListSpec
from serviceeval.core.memo import memo, revision
from serviceeval.engine.calibration import calibrate

from ..conflicts import conflicted_pairs
from ..models import Round, Score, Sheet, SheetStatus


def first_round_scores(cycle):
    """(agency, reviewer, criterion) → score of the submitted first-round sheets, less
    those of a reviewer with an unwaived conflict with the agency (issue 13)."""
    blocked = conflicted_pairs(cycle)
    return {
        (a, r, c): s
        for a, r, c, s in Score.objects.filter(
            sheet__cycle=cycle,
            sheet__round=Round.FIRST,
            sheet__status=SheetStatus.SUBMITTED,
            score__isnull=False,
        )
        .order_by()
        .values_list("sheet__agency_id", "sheet__reviewer_id", "criterion", "score")
        if (r, a) not in blocked
    }


def max_points(spec):
    out = {}
    for category in spec.categories:
        for leaf in category.leaves():
            out[leaf.code] = leaf.max_points
    return out


def calibration_figures(cycle, spec):
    """The engine's (reviewer statistics, flagged criteria) of the cycle's submitted
    first-round scores, computed once per data revision (core.memo)."""
    return memo(
        ("calibration", cycle.pk, cycle.created),
        revision(),
        lambda: calibrate(first_round_scores(cycle), max_points(spec), spec.scoring),
    )


def flagged_criteria(cycle, spec, agency_id: int) -> set[str]:
    """The agency's criteria the engine flags for the panel meeting."""
    return {f.criterion for f in calibration_figures(cycle, spec)[1] if f.agency_id == agency_id}


def calibration_of(cycle, spec):
    """(reviewer statistics, flagged criteria, users by id, agencies by id): the
    260,000 scores of a national cycle are read once per data revision."""
    stats, flags = calibration_figures(cycle, spec)
    ids = {s.reviewer_id for s in stats} | {r for f in flags for r, _ in f.scores}
    people = {u.pk: u for u in User.objects.filter(pk__in=ids)}
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in={f.agency_id for f in flags})}
    return stats, flags, people, agencies


def first_round_sheets(cycle, agency_id: int):
    """The agency's first-round sheets (by reviewer) and their scores by
    (sheet id, criterion); a reviewer with an unwaived conflict with the agency is
    left out (the sheet is kept and comes back when the conflict is waived)."""
    blocked = {r for r, a in conflicted_pairs(cycle) if a == agency_id}
    sheets = list(
        Sheet.objects.filter(cycle=cycle, agency_id=agency_id, round=Round.FIRST)
        .exclude(reviewer_id__in=blocked)
        .select_related("reviewer")
        .order_by("reviewer__username")
    )
    cells = {
        (s.sheet_id, s.criterion): s for s in Score.objects.filter(sheet__in=[x.pk for x in sheets])
    }
    return sheets, cells


# The reviewers' table of the calibration page (issue 12 item 4): its columns are
# computed by the engine, so they are sorted here, not in the database.
CALIBRATION_LIST = ListSpec(
    filters=("flagged",),
    sorts=dict.fromkeys(("reviewer", "n", "mean", "spread", "deviation", "flags"), ()),
    default_sort="reviewer",
)


def calibration_reviewers(stats, flags, people, listing) -> list[dict]:
    """One row per reviewer: the engine's figures and the number of flagged criteria
    the reviewer scored; `flagged=1` keeps the reviewers with one at least. Sorted by
    the listing's column (deviation by its size, whichever side of the panel)."""
    flagged: dict[int, int] = {}
    for f in flags:
        for r, _v in f.scores:
            flagged[r] = flagged.get(r, 0) + 1
    rows = [
        {
            "reviewer": people.get(s.reviewer_id),
            "reviewer_id": s.reviewer_id,
            "n": s.n,
            "mean": s.mean,
            "spread": s.spread,
            "deviation": s.deviation,
            "flags": flagged.get(s.reviewer_id, 0),
        }
        for s in stats
    ]
    if listing.get("flagged") == "1":
        rows = [r for r in rows if r["flags"]]
    key = listing.sort_key

    def sort_key(row):
        if key == "reviewer":
            return (str(row["reviewer"] or ""), row["reviewer_id"])
        value = row[key]
        return (abs(value) if key == "deviation" else value, row["reviewer_id"])

    return sorted(rows, key=sort_key, reverse=listing.descending)
