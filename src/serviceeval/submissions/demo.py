"""Demo submissions (idempotent; `make run` runs it every time).

- 105 (hsinchu-105, deadlines in 2016): 衛生局 HC-101's report is reopened
  (示範用重新開放) until 2027 and has a draft with a few entries and figures.
- 103 and 104 (published by the reviews demo): 衛生局's accepted reports with
  the four HSC-8 figures.
- 116 (city-service-upgrade): 社會局 CT-100 has a draft plan; 中正區公所 CT-901
  has an accepted plan, so the public page shows something.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from serviceeval.accounts.rules import is_office

from . import services
from .enums import EventKind, Kind, State
from .models import MetricValue, Reopen, Submission, SubmissionEvent
from .services import EntryInput, SaveInput

TAIPEI = ZoneInfo("Asia/Taipei")

PLAN_TEXT = {
    "cover": "{name} 民國{year}年度提升服務品質實施計畫",
    "basic_data": "機關名稱：{name}\n服務對象：轄區居民\n聯絡窗口：研考承辦人",
    "overview": "- 臨櫃服務每日平均 350 人次\n- 線上申辦項目 42 項",
    "content": "- 一處收件、全程服務\n- 推動線上預約與叫號查詢\n- 建置服務品質推動小組（CITY-7）",
    "control": "每季召開推動小組會議檢討執行進度，年底提出執行成果。",
    "future": "擴大跨機關服務整合，持續精進數位服務。",
}


# 衛生局's handed-in reports of the earlier cycles (HSC-8): this year's and last
# year's figures, so its results by year show growth rates (issue 12 item 3).
PAST_METRICS = {
    103: {
        "service_satisfaction": ("85", "82.4"),
        "complaint_satisfaction": ("78", "75"),
        "online_services": ("30", "24"),
        "online_cases": ("11800", "9500"),
    },
    104: {
        "service_satisfaction": ("88.5", "85"),
        "complaint_satisfaction": ("80", "78"),
        "online_services": ("35", "30"),
        "online_cases": ("13400", "11800"),
    },
}


def _past_reports(ctx, office):
    """The reports of the past cycles, accepted long ago. No demo login filed them,
    so they are written directly; their history says so."""
    health = ctx["agencies"].get("HC-101")
    for year, figures in PAST_METRICS.items():
        cycle = ctx["cycles"].get(year)
        if cycle is None or health is None:
            continue
        if Submission.objects.filter(cycle=cycle, agency=health, kind=Kind.REPORT).exists():
            continue
        at = datetime(year + 1911, 9, 30, 17, 0, tzinfo=TAIPEI)
        sub = Submission.objects.create(
            cycle=cycle,
            agency=health,
            kind=Kind.REPORT,
            category=health.category,
            state=State.ACCEPTED,
            version=1,
            submitted_at=at,
            accepted_at=at,
            sections={"survey_method": "委外辦理電話訪問調查"},
        )
        MetricValue.objects.bulk_create(
            MetricValue(submission=sub, code=code, this_year=Decimal(this), last_year=Decimal(last))
            for code, (this, last) in figures.items()
        )
        SubmissionEvent.objects.create(
            submission=sub,
            kind=EventKind.ACCEPT,
            actor=office,
            reason="示範資料",
            from_state=State.SUBMITTED,
            to_state=State.ACCEPTED,
            version=1,
        )


def _user(ctx, username):
    return next((u for u in ctx["users"] if u.username == username), None)


@transaction.atomic
def build(ctx):
    agencies, cycles = ctx["agencies"], ctx["cycles"]
    office = next((u for u in ctx["users"] if is_office(u)), None)
    c105, c116 = cycles.get(105), cycles.get(ctx["city_year"])
    _past_reports(ctx, office)
    if c105 and "HC-101" in agencies:
        health = agencies["HC-101"]
        if not Reopen.objects.filter(cycle=c105, agency=health, kind=Kind.REPORT).exists():
            services.submission_reopen(
                cycle=c105,
                agency=health,
                kind=Kind.REPORT,
                category=health.category,
                user=office,
                deadline=datetime(2027, 8, 31, 23, 59, 59, tzinfo=TAIPEI),
                reason="示範用重新開放",
            )
        sub = Submission.objects.get(cycle=c105, agency=health, kind=Kind.REPORT)
        officer = _user(ctx, "officer")
        if sub.version == 0 and officer and sub.state in services.EDITABLE:
            services.submission_save(
                submission=sub,
                user=officer,
                base_version=0,
                data=SaveInput(
                    sections={
                        "survey_method": "委外辦理電話訪問調查",
                        "survey_sampling": "依來洽公民眾比例分層隨機抽樣，有效樣本 1,068 份",
                    },
                    entries={
                        "1.1.1.1": EntryInput(
                            narrative="- 設置單一窗口，提供 12 項業務一處收件、全程服務\n- 平均等候時間由 12 分鐘降為 7 分鐘",
                            self_score=Decimal("52"),
                        ),
                        "1.1.1.2": EntryInput(
                            narrative="- 簡化醫事人員執業登記流程，減少 2 項應備文件",
                            self_score=Decimal("48.5"),
                        ),
                        "2.1.1.3": EntryInput(
                            narrative="- 本局網站每週更新最新消息",
                            self_score=Decimal("16"),
                            planned=True,
                        ),
                    },
                    metrics={
                        "service_satisfaction": (Decimal("91.2"), Decimal("88.5")),
                        "complaint_satisfaction": (Decimal("83"), Decimal("80")),
                        "online_services": (Decimal("42"), Decimal("35")),
                        "online_cases": (Decimal("15230"), None),
                    },
                ),
            )
    if c116 and "CT-100" in agencies:
        social = agencies["CT-100"]
        sub = services.submission_get_or_create(
            cycle=c116, agency=social, kind=Kind.PLAN, category=social.category
        )
        officer = _user(ctx, "city-officer")
        if sub.version == 0 and officer:
            services.submission_save(
                submission=sub,
                user=officer,
                base_version=0,
                data=SaveInput(
                    sections={
                        k: PLAN_TEXT[k].format(name=social.name, year=c116.year)
                        for k in ("cover", "basic_data", "overview")
                    }
                ),
            )
    if c116 and "CT-901" in agencies:
        district = agencies["CT-901"]
        if not Submission.objects.filter(cycle=c116, agency=district, kind=Kind.PLAN).exists():
            # No demo login belongs to this district office, so the accepted plan
            # is written directly; its history says so.
            now = timezone.now()
            sub = Submission.objects.create(
                cycle=c116,
                agency=district,
                kind=Kind.PLAN,
                category=district.category,
                state=State.ACCEPTED,
                version=1,
                submitted_at=now,
                accepted_at=now,
                sections={
                    k: v.format(name=district.name, year=c116.year) for k, v in PLAN_TEXT.items()
                },
            )
            for kind, before, after in (
                (EventKind.SAVE, State.DRAFT, State.DRAFT),
                (EventKind.APPROVE, State.DRAFT, State.APPROVED),
                (EventKind.SUBMIT, State.APPROVED, State.SUBMITTED),
                (EventKind.ACCEPT, State.SUBMITTED, State.ACCEPTED),
            ):
                SubmissionEvent.objects.create(
                    submission=sub,
                    kind=kind,
                    actor=office if kind == EventKind.ACCEPT else None,
                    reason="示範資料",
                    from_state=before,
                    to_state=after,
                    version=1,
                )
