"""Demo national-award pipeline for cycle 116: 社會局 (CT-100) proposes its two
subordinate agencies, the office preselects a district office; one is recommended,
passes the initial review and is shortlisted (CITY-10, CITY-11, CITY-15). Idempotent."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from serviceeval.accounts.rules import is_office
from serviceeval.reviews.demo import score_rows
from serviceeval.reviews.models import PanelRole
from serviceeval.reviews.services import assign, panel_add, scores_import

from .models import Nomination
from .services import attendance_add, consent_set, nomination_propose, nomination_step


@transaction.atomic
def build(ctx) -> None:
    city = ctx["cycles"].get(ctx["city_year"])
    if city is None or Nomination.objects.filter(cycle=city).exists():
        return
    users = {u.username: u for u in ctx["users"]}
    office = next((u for u in ctx["users"] if is_office(u)), None)
    officer = users.get("city-officer")
    agencies = ctx["agencies"]
    reviewer = users.get("reviewer")
    if office is None or officer is None or reviewer is None:
        return
    first = nomination_propose(
        cycle=city, agency=agencies["CT-120"], actor=officer, note="兒少服務整合"
    )
    nomination_propose(cycle=city, agency=agencies["CT-110"], actor=officer)
    district = nomination_propose(cycle=city, agency=agencies["CT-901"], actor=office)
    _written_review(city, [agencies["CT-120"], agencies["CT-901"]], reviewer, office)
    nomination_step(
        nomination=first,
        status="recommended",
        on=date(2027, 6, 15),
        actor=office,
        note="書面審查及實地評核通過",
    )
    nomination_step(nomination=first, status="passed_initial", on=date(2027, 8, 20), actor=office)
    nomination_step(nomination=first, status="shortlisted", on=date(2027, 10, 5), actor=office)
    nomination_step(nomination=district, status="recommended", on=date(2027, 6, 15), actor=office)
    attendance_add(
        nomination=first,
        session="參獎輔導工作坊（一）",
        on=date(2027, 7, 2),
        attendee="黃承辦",
        attended=True,
        actor=office,
    )
    attendance_add(
        nomination=district,
        session="參獎輔導工作坊（一）",
        on=date(2027, 7, 2),
        attendee="區公所 陳課長",
        attended=False,
        actor=office,
    )
    consent_set(nomination=first, consent=True, actor=office)


def _written_review(city, nominees, reviewer, office) -> None:
    """CITY-10: the city's panel reviews the nominees in writing before it recommends
    any (a recommendation is refused until then)."""
    panel_add(cycle=city, user=reviewer, role=PanelRole.CONVENER, actor=office)
    for agency in nominees:
        assign(cycle=city, reviewer=reviewer, agency=agency, actor=office)
    plan = [(a.code, reviewer.username, "0.88", i) for i, a in enumerate(nominees)]
    report = scores_import(cycle=city, rows=score_rows(city, plan), actor=office)
    assert report.errors == [], report.errors[:3]
