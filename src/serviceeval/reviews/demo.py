"""Demo data for the panel review of cycle 105 (idempotent).

The panel: `reviewer` convenes, `reviewer2` is a member, three external experts
score every agency. Scores for all 16 agencies come in through the same import
the office uses (generated rows), so results exist with 甲, 乙 and 丙 — one 丙
passes re-evaluation (香山區公所), one fails (香山衛生所). `reviewer`'s sheet for
衛生局 stays a draft, so the demo reviewer has something to score and 衛生局 is
`incomplete`. Results are not published: the office does that in the demo.

Cycles 103 and 104 come before (issue 12 item 3): two experts score every
agency, one telephone test and one visit each, results published."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.accounts.rules import is_tester
from serviceeval.fieldtests.models import PhoneTest
from serviceeval.fieldtests.services import mystery_visit_record, phone_test_record

from .models import Improvement, PanelMember, PanelRole, Round
from .services import (
    assign,
    improvement_create,
    panel_add,
    publish_results,
    scores_import,
    sheet_get_or_create,
    sheet_save,
    spec_of,
)

EXPERTS = [
    ("expert1", "學者專家 周教授"),
    ("expert2", "學者專家 鄭教授"),
    ("expert3", "考核委員 蔡委員"),
]
# Share of the points each agency earns (about): 甲 ≥ 0.8, 乙 0.7–0.8, 丙 < 0.7.
LEVELS = {
    "HC-101": "0.86",
    "HC-102": "0.83",
    "HC-103": "0.77",
    "HC-104": "0.81",
    "HC-105": "0.74",
    "HC-201": "0.88",
    "HC-202": "0.72",
    "HC-203": "0.66",
    "HC-204": "0.79",
    "HC-205": "0.84",
    "HC-206": "0.75",
    "HC-301": "0.71",
    "HC-302": "0.78",
    "HC-303": "0.82",
    "HC-304": "0.76",
    "HC-305": "0.62",
}
# The earlier cycles (all 甲 or 乙): 衛生局 rises from 乙 to 甲.
PAST_LEVELS = {
    year: {code: str(max(Decimal(share) - less, Decimal("0.74"))) for code, share in LEVELS.items()}
    for year, less in ((103, Decimal("0.03")), (104, Decimal("0.01")))
}
PAST_LEVELS[103]["HC-101"] = "0.78"
PAST_LEVELS[104]["HC-101"] = "0.82"
# Items missed on the earlier cycles' calls and visits (the field tests vary by year).
PAST_PHONE_MISSES = [("sw_greeting", "biz_answer_correct"), ("biz_answer_correct",), ()]
PAST_VISIT_MISSES = [("eff_wait", "env_clean"), ("exp_referral",), ("app_id_badge",)]
RE_LEVELS = {"HC-203": "0.74", "HC-305": "0.66"}  # passes / fails re-evaluation
COMMENTS = [
    "作法具體，建議持續追蹤成效。",
    "資料佐證完整，惟宜補充量化指標。",
    "流程簡化成果明顯，值得推廣。",
    "請補充民眾回饋後的改善措施。",
    "創新構想佳，建議評估擴大辦理。",
    "網站資訊更新頻率可再提高。",
]


def _value(max_points: Decimal, share: Decimal) -> Decimal:
    value = (max_points * share * 2).to_integral_value() / 2
    return min(max(value, Decimal(0)), max_points)


def score_rows(cycle, plan):
    """Import rows for `plan` = [(agency code, reviewer username, share, offset)]."""
    leaves = spec_of(cycle).category("overall").leaves()
    rows = []
    for agency_code, username, share, offset in plan:
        for j, leaf in enumerate(leaves):
            wiggle = Decimal(((j * 7 + offset * 3) % 9) - 4) / 100  # −0.04 … +0.04
            rows.append(
                (
                    len(rows) + 2,
                    {
                        "agency": agency_code,
                        "reviewer": username,
                        "criterion": leaf.code,
                        "score": str(_value(leaf.max_points, Decimal(share) + wiggle)),
                        "comment": COMMENTS[(j + offset) % len(COMMENTS)],
                    },
                )
            )
    return rows


def _experts() -> list:
    experts = []
    for username, display in EXPERTS:
        user, _created = User.objects.get_or_create(
            username=username,
            defaults={"role": Role.REVIEWER, "last_name": display, "password": make_password(None)},
        )
        experts.append(user)
    return experts


def _past_field_tests(ctx, cycle, codes) -> None:
    """One telephone test and one visit per agency, recorded before publication."""
    agencies = ctx["agencies"]
    tester = next((u for u in ctx["users"] if is_tester(u)), None)
    if tester is None or PhoneTest.objects.filter(cycle=cycle).exists():
        return
    spec = spec_of(cycle)
    for i, code in enumerate(codes):
        items = {it.code: True for p in spec.phone_parts for it in p.items}
        missed = PAST_PHONE_MISSES[(i + cycle.year) % len(PAST_PHONE_MISSES)]
        items.update(dict.fromkeys(missed, False))
        when = timezone.make_aware(datetime(cycle.year + 1911, 5 + i % 4, 3 + i, 10, 0))
        phone_test_record(
            cycle=cycle,
            agency=agencies[code],
            tester=tester,
            called_at=when,
            tested_parts=["switchboard", "business"],
            items=items,
            number="03-5216121",
            refresh=False,
        )
        visit = {it.code: True for p in spec.mystery_sections for it in p.items}
        visit.update(dict.fromkeys(PAST_VISIT_MISSES[(i + cycle.year) % 3], False))
        mystery_visit_record(
            cycle=cycle,
            agency=agencies[code],
            tester=tester,
            visited_at=when + timedelta(days=30),
            items=visit,
            counter="服務台",
            refresh=False,
        )


def _build_past(ctx, office, experts) -> None:
    """Cycles 103 and 104 (issue 12 item 3): scored by two experts, with field tests,
    published, so results by year and the feedback report's "last time" have
    something to show. No 丙 there: nobody is carried over (HSC-11)."""
    agencies = ctx["agencies"]
    for year, levels in PAST_LEVELS.items():
        cycle = ctx["cycles"].get(year)
        if cycle is None or cycle.results_published_at is not None:
            continue
        if PanelMember.objects.filter(cycle=cycle).exists():
            continue  # scored by hand in this database: leave it alone
        codes = sorted(set(levels) & set(cycle.participants.values_list("agency__code", flat=True)))
        panel_add(cycle=cycle, user=experts[0], role=PanelRole.CONVENER, actor=office)
        panel_add(cycle=cycle, user=experts[1], role=PanelRole.EXPERT, actor=office)
        plan = []
        for i, code in enumerate(codes):
            for k, expert in enumerate(experts[:2]):
                assign(cycle=cycle, reviewer=expert, agency=agencies[code], actor=office)
                plan.append((code, expert.username, levels[code], i + k + year))
        report = scores_import(cycle=cycle, rows=score_rows(cycle, plan), actor=office)
        assert report.errors == [], report.errors[:3]
        _past_field_tests(ctx, cycle, codes)
        publish_results(cycle=cycle, actor=office)


@transaction.atomic
def build(ctx) -> None:
    users = {u.username: u for u in ctx["users"]}
    office = users.get("office")
    reviewer, reviewer2 = users.get("reviewer"), users.get("reviewer2")
    if not (office and reviewer and reviewer2):
        return
    experts = _experts()
    _build_past(ctx, office, experts)
    cycle = ctx["cycles"].get(105)
    if cycle is None or PanelMember.objects.filter(cycle=cycle).exists():
        return
    agencies = ctx["agencies"]
    panel_add(cycle=cycle, user=reviewer, role=PanelRole.CONVENER, actor=office)
    panel_add(cycle=cycle, user=reviewer2, role=PanelRole.MEMBER, actor=office)
    for user in experts:
        panel_add(cycle=cycle, user=user, role=PanelRole.EXPERT, actor=office)
    for code in ("HC-101", "HC-102", "HC-201"):
        assign(cycle=cycle, reviewer=reviewer, agency=agencies[code], actor=office)
        assign(cycle=cycle, reviewer=reviewer2, agency=agencies[code], actor=office)
    for code in LEVELS:
        for expert in experts:
            assign(cycle=cycle, reviewer=expert, agency=agencies[code], actor=office)
    plan = []
    for i, (code, share) in enumerate(sorted(LEVELS.items())):
        for k, expert in enumerate(experts):
            plan.append((code, expert.username, share, i + k))
    plan += [
        ("HC-101", "reviewer2", "0.85", 5),
        ("HC-102", "reviewer", "0.84", 6),
        ("HC-102", "reviewer2", "0.80", 7),
        ("HC-201", "reviewer", "0.87", 8),
        ("HC-201", "reviewer2", "0.89", 9),
    ]
    rows = score_rows(cycle, plan)
    # One clear disagreement for the calibration page: 稅務局, 有價值的創新服務.
    for _n, row in rows:
        if (row["agency"], row["reviewer"], row["criterion"]) == ("HC-102", "reviewer2", "3.1.1"):
            row["score"] = "110"
            row["comment"] = "創新服務尚屬規劃階段，成效有限。"
    report = scores_import(cycle=cycle, rows=rows, actor=office)
    assert report.errors == [], report.errors[:3]
    for code in RE_LEVELS:
        assign(
            cycle=cycle,
            reviewer=experts[0],
            agency=agencies[code],
            actor=office,
            round=Round.RE_EVALUATION,
        )
    re_rows = score_rows(cycle, [(c, experts[0].username, s, 3) for c, s in RE_LEVELS.items()])
    report = scores_import(cycle=cycle, rows=re_rows, actor=office, round=Round.RE_EVALUATION)
    assert report.errors == [], report.errors[:3]
    # The demo reviewer's own sheet for 衛生局: started, not submitted.
    sheet = sheet_get_or_create(
        cycle=cycle, agency=agencies["HC-101"], reviewer=reviewer, round=Round.FIRST
    )
    sheet_save(
        sheet=sheet,
        version=sheet.version,
        actor=reviewer,
        values={"1.1.1.1": ("52", "單一窗口整合度高。"), "1.1.1.2": ("50", "")},
    )
    if not Improvement.objects.filter(cycle=cycle).exists():
        improvement_create(
            cycle=cycle,
            agency=agencies["HC-101"],
            criterion="1.2.1.2.1",
            actor=office,
            text="電話禮貌測試中總機未報機關名稱，請加強同仁訓練並回報改善情形。",
            deadline=timezone.localdate() + timedelta(days=45),  # ahead, as a newcomer expects
        )
