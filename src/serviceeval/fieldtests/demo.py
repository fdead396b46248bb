"""Demo field tests: for cycle 116 (CITY) calls and visits per CT- agency, so that
CITY-12 and CITY-13 produce roster entries; for cycle 105 two calls and a visit per
Hsinchu agency (the figures beside 1.2.1.2.1 and 1.2.1.2.2 on score sheets). Idempotent."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from serviceeval.accounts.rules import is_tester
from serviceeval.core.signals import PEOPLE, announce_roster_inputs

from .models import PhoneTest
from .services import FieldTestError, mystery_visit_record, phone_test_record

# code → items missed on each of its calls (a call per entry)
CITY_CALLS = {
    "CT-100": [(), ()],  # 100 → ≥ 90: 嘉獎 2, public commendation (CITY-13)
    "CT-110": [("biz_names_unit_self",), ()],  # 93.6 → ≥ 90
    "CT-120": [("sw_greeting", "biz_tone"), ("biz_closing",)],  # 87.6 → ≥ 85: 嘉獎 1
    "CT-200": [("sw_answer_speed",), ("biz_answer_correct",)],  # 58.6 → nothing
    "CT-210": [("biz_greeting",), ("sw_closing",)],  # 89.0 → ≥ 85
    "CT-300": [("sw_answer_speed", "biz_answer_speed")],
    "CT-901": [(), ("sw_transfer_polite",)],
    "CT-902": [("biz_answer_correct", "biz_tone")],
}
CITY_VISITS = {  # items missed → score; CT-110 and CT-120 tie at rank 3 (CITY-12)
    "CT-100": ("eff_wait",),  # 95
    "CT-901": (),  # 100
    "CT-110": ("env_facilities",),  # 94
    "CT-120": ("env_facilities",),  # 94
    "CT-200": ("exp_correct", "exp_complete"),  # 80
    "CT-902": ("sit_handling", "eti_closing"),  # 86
}
HSINCHU_MISSES = [(), ("eff_wait",), ("exp_referral", "app_id_badge"), ("env_clean",)]
STAFF = ["陳小美", "林志豪", "黃雅琪", "張家銘", "李怡萱", "王俊宏", "吳佩珊", "劉建志"]


def _when(year, month, day, hour=10):
    return timezone.make_aware(datetime(year + 1911, month, day, hour, 0))


def _all_items(parts):
    return {i.code: True for p in parts for i in p.items}


@transaction.atomic
def build(ctx) -> None:
    tester = next((u for u in ctx["users"] if is_tester(u)), None)
    if tester is None:
        return
    agencies = ctx["agencies"]
    city = ctx["cycles"].get(ctx["city_year"])
    if city is not None and not PhoneTest.objects.filter(cycle=city).exists():
        spec = city.program.spec
        try:
            for i, (code, calls) in enumerate(sorted(CITY_CALLS.items())):
                for j, missed in enumerate(calls):
                    items = _all_items(spec.phone_parts)
                    items.update(dict.fromkeys(missed, False))
                    phone_test_record(
                        cycle=city,
                        agency=agencies[code],
                        tester=tester,
                        called_at=_when(city.year, 3 + j, 5 + i),
                        tested_parts=["switchboard", "business"],
                        items=items,
                        unit="服務台",
                        number="1999",
                        rings=2 + j,
                        tested_staff=STAFF[i % len(STAFF)],
                        refresh=False,
                    )
            for i, (code, missed) in enumerate(sorted(CITY_VISITS.items())):
                items = _all_items(spec.mystery_sections)
                items.update(dict.fromkeys(missed, False))
                mystery_visit_record(
                    cycle=city,
                    agency=agencies[code],
                    tester=tester,
                    visited_at=_when(city.year, 4, 10 + i),
                    items=items,
                    counter="綜合服務櫃台",
                    scenario="詢問低收入戶申請文件，承辦人說明完整。",
                    tested_staff=STAFF[(i + 3) % len(STAFF)],
                    refresh=False,
                )
        except FieldTestError:
            return
        announce_roster_inputs(city, PEOPLE)  # every rule: the rewards app recomputes
    hsinchu = ctx["cycles"].get(105)
    if hsinchu is not None and not PhoneTest.objects.filter(cycle=hsinchu).exists():
        spec = hsinchu.program.spec
        codes = sorted(c for c in agencies if c.startswith("HC-") and c[3] != "0")
        try:
            for i, code in enumerate(codes):
                for j in range(2):
                    items = _all_items(spec.phone_parts)
                    if (i + j) % 3 == 0:
                        items["sw_greeting"] = False
                    if (i + j) % 4 == 1:
                        items["biz_answer_correct"] = False
                    phone_test_record(
                        cycle=hsinchu,
                        agency=agencies[code],
                        tester=tester,
                        called_at=_when(105, 6 + j, 1 + i),
                        tested_parts=["switchboard", "business"],
                        items=items,
                        number="03-5216121",
                        tested_staff=STAFF[(i + j) % len(STAFF)],
                        refresh=False,
                    )
                visit = _all_items(spec.mystery_sections)
                visit.update(dict.fromkeys(HSINCHU_MISSES[i % len(HSINCHU_MISSES)], False))
                mystery_visit_record(
                    cycle=hsinchu,
                    agency=agencies[code],
                    tester=tester,
                    visited_at=_when(105, 7, 10 + i),
                    items=visit,
                    counter="服務台",
                    tested_staff=STAFF[(i + 5) % len(STAFF)],
                    refresh=False,
                )
        except FieldTestError:
            return
