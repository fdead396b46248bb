"""Builders for review tests: a cycle with a panel, assignments and scores."""

from decimal import Decimal

from serviceeval.accounts.enums import Role
from serviceeval.agencies.models import Agency
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import (
    assign,
    panel_add,
    scores_import,
    spec_of,
)
from tests.factories import AgencyFactory, make_cycle, user_for


def leaves(cycle):
    return spec_of(cycle).category("overall").leaves()


def score_rows(cycle, agency, reviewer, fraction, start=2, comment="意見"):
    """import rows scoring every leaf at `fraction` of its max (0.5 step)."""
    rows = []
    for i, leaf in enumerate(leaves(cycle)):
        value = (leaf.max_points * Decimal(fraction) * 2).to_integral_value() / 2
        rows.append(
            (
                start + i,
                {
                    "agency": agency.code,
                    "reviewer": reviewer.username,
                    "criterion": leaf.code,
                    "score": str(value),
                    "comment": comment,
                },
            )
        )
    return rows


def setup_cycle(n_agencies=2, n_reviewers=2, year=105, group=None, assign_all=True):
    """A cycle with `n_agencies` participants (group 1 unless given), a panel
    (first reviewer convener), every reviewer assigned to every agency unless
    `assign_all` is false."""
    agencies = [
        AgencyFactory() if group is None else AgencyFactory(group=group) for _ in range(n_agencies)
    ]
    cycle = make_cycle(year=year, agencies=Agency.objects.filter(pk__in=[a.pk for a in agencies]))
    office = user_for(Role.COORDINATOR)
    reviewers = [user_for(Role.REVIEWER) for _ in range(n_reviewers)]
    for i, r in enumerate(reviewers):
        panel_add(
            cycle=cycle,
            user=r,
            role=PanelRole.CONVENER if i == 0 else PanelRole.MEMBER,
            actor=office,
        )
    for a in agencies if assign_all else ():
        for r in reviewers:
            assign(cycle=cycle, reviewer=r, agency=a, actor=office)
    return cycle, agencies, reviewers, office


def score_all(cycle, plan, round="first", add_reviewers=False):
    """plan: [(agency, reviewer, fraction)] → import (submitted sheets)."""
    rows = []
    for agency, reviewer, fraction in plan:
        rows += score_rows(cycle, agency, reviewer, fraction, start=len(rows) + 2)
    report = scores_import(cycle=cycle, rows=rows, round=round, add_reviewers=add_reviewers)
    assert report.errors == []
    return report
