"""Calibration: reviewers side by side, flagged criteria."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.functional import SimpleLazyObject

from serviceeval.accounts.rules import is_office, is_reviewer
from serviceeval.core.access import access

from .. import rules, selectors, services
from ..presentation import points as _points
from .common import _results_cycle

# --- calibration -------------------------------------------------------------------


@access(is_office | is_reviewer)
def calibration(request, year):
    cycle = _results_cycle(request.user, year)
    spec = services.spec_of(cycle)
    listing = selectors.CALIBRATION_LIST.read(request.GET)

    def body():
        # 260,000 scores at national scale: computed once per data revision (core.memo),
        # rendered once per revision and listing ({% fragment %}).
        stats, flags, people, agencies = selectors.calibration_of(cycle, spec)
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
        stat_rows = selectors.calibration_reviewers(stats, flags, people, listing)
        return {"stats": stat_rows, "flags": flag_rows}

    return render(
        request,
        "reviews/calibration.html",
        {
            "cycle": cycle,
            "listing": listing,
            "body": SimpleLazyObject(body),
            "margin": _points(spec.scoring.disagreement_margin * 100),
        },
    )


@access(is_office | is_reviewer)
def calibration_agency(request, year, agency_id):
    """The agency's submitted sheets side by side, flagged criteria marked."""
    cycle = _results_cycle(request.user, year)
    participant = selectors.participant_or_404(cycle, agency_id)
    if not rules.can_open_agency_review(request.user, rules.ReviewTarget(cycle.pk, agency_id)):
        raise Http404
    spec = services.spec_of(cycle)
    sheets, cells = selectors.first_round_sheets(cycle, agency_id)
    flagged = selectors.flagged_criteria(cycle, spec, agency_id)
    rows = []
    for leaf in spec.category(participant.category).leaves():
        values = [cells.get((sh.pk, leaf.code)) for sh in sheets]
        rows.append(
            {
                "leaf": leaf,
                "flagged": leaf.code in flagged,
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
