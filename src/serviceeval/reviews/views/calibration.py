"""Calibration: reviewers side by side, flagged criteria."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.functional import SimpleLazyObject

from serviceeval.accounts.models import User
from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.agencies.models import Agency
from serviceeval.core.access import access
from serviceeval.core.memo import memo, revision
from serviceeval.cycles.models import Participant
from serviceeval.engine.calibration import calibrate

from .. import rules, services
from ..models import (
    Round,
    Score,
    Sheet,
    SheetStatus,
)
from ..presentation import points as _points
from .common import _results_cycle

# --- calibration -------------------------------------------------------------------


def _first_round_scores(cycle):
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
    }


def _max_points(spec):
    out = {}
    for category in spec.categories:
        for leaf in category.leaves():
            out[leaf.code] = leaf.max_points
    return out


@access(is_office | is_reviewer)
def calibration(request, year):
    cycle = _results_cycle(request.user, year)
    spec = services.spec_of(cycle)

    def body():
        # 260,000 scores at national scale: computed once per data revision (core.memo),
        # rendered once per revision ({% fragment %}).
        stats, flags = memo(
            ("calibration", cycle.pk, cycle.created),
            revision(),
            lambda: calibrate(_first_round_scores(cycle), _max_points(spec), spec.scoring),
        )
        ids = {s.reviewer_id for s in stats} | {r for f in flags for r, _ in f.scores}
        people = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        agencies = {a.pk: a for a in Agency.objects.filter(pk__in={f.agency_id for f in flags})}
        names = {leaf.code: leaf.name for c in spec.categories for leaf in c.leaves()}
        flag_rows = [
            {
                "agency": agencies[f.agency_id],
                "code": f.criterion,
                "name": names.get(f.criterion, ""),
                "low": _points(f.low),
                "high": _points(f.high),
                "max": _points(f.max_points),
                "scores": [(people.get(r), _points(v)) for r, v in f.scores],
            }
            for f in flags
        ]
        stat_rows = [
            {
                "reviewer": people.get(s.reviewer_id),
                "n": s.n,
                "mean": s.mean,
                "spread": s.spread,
                "deviation": s.deviation,
            }
            for s in stats
        ]
        return {"stats": stat_rows, "flags": flag_rows}

    return render(
        request,
        "reviews/calibration.html",
        {
            "cycle": cycle,
            "body": SimpleLazyObject(body),
            "margin": _points(spec.scoring.disagreement_margin * 100),
        },
    )


@access(is_office | is_reviewer)
def calibration_agency(request, year, agency_id):
    """The agency's submitted sheets side by side, flagged criteria marked."""
    cycle = _results_cycle(request.user, year)
    participant = get_object_or_404(
        Participant.objects.select_related("agency"), cycle=cycle, agency_id=agency_id
    )
    if not rules.can_open_agency_review(request.user, rules.ReviewTarget(cycle.pk, agency_id)):
        raise Http404
    spec = services.spec_of(cycle)
    sheets = list(
        Sheet.objects.filter(cycle=cycle, agency_id=agency_id, round=Round.FIRST)
        .select_related("reviewer")
        .order_by("reviewer__username")
    )
    cells = {
        (s.sheet_id, s.criterion): s for s in Score.objects.filter(sheet__in=[x.pk for x in sheets])
    }
    margin = spec.scoring.disagreement_margin
    rows = []
    for leaf in spec.category(participant.category).leaves():
        values = [cells.get((sh.pk, leaf.code)) for sh in sheets]
        numbers = [
            v.score
            for v, sh in zip(values, sheets, strict=True)
            if v and v.score is not None and sh.status == SheetStatus.SUBMITTED
        ]
        flagged = len(numbers) > 1 and max(numbers) - min(numbers) > margin * leaf.max_points
        rows.append(
            {
                "leaf": leaf,
                "flagged": flagged,
                "cells": [
                    (_points(v.score) if v and v.score is not None else "", v.comment if v else "")
                    for v in values
                ],
            }
        )
    return render(
        request,
        "reviews/calibration_agency.html",
        {"cycle": cycle, "agency": participant.agency, "sheets": sheets, "rows": rows},
    )
