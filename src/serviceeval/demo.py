"""Demo data for `make run`: idempotent, so running it twice changes nothing.

Each app may add its own demo data in `serviceeval/<app>/demo.py` with a
`build(ctx)` function; they run in INSTALLED_APPS order after this one.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from serviceeval.accounts.enums import Role
from serviceeval.accounts.models import User
from serviceeval.agencies.enums import AgencyKind, Category, PersonRole
from serviceeval.agencies.models import Agency, Group, Person
from serviceeval.core.roc import gregorian_to_roc
from serviceeval.cycles.models import Cycle
from serviceeval.cycles.services import cycle_create, milestone_moments
from serviceeval.programs.services import program_latest

# Earlier Hsinchu cycles whose results the reviews demo publishes.
PAST_YEARS = (103, 104)
DEMO_PASSWORD = "Demo-2026-serviceeval"  # noqa: S105 - printed on purpose for the demo

HSINCHU_GROUPS = {
    "1": [
        ("HC-101", "衛生局"),
        ("HC-102", "稅務局"),
        ("HC-103", "環保局"),
        ("HC-104", "消防局"),
        ("HC-105", "文化局"),
    ],
    "2": [
        ("HC-201", "東區區公所"),
        ("HC-202", "北區區公所"),
        ("HC-203", "香山區公所"),
        ("HC-204", "東區戶政事務所"),
        ("HC-205", "北區戶政事務所"),
        ("HC-206", "香山戶政事務所"),
    ],
    "3": [
        ("HC-301", "地政事務所"),
        ("HC-302", "殯葬管理所"),
        ("HC-303", "東區衛生所"),
        ("HC-304", "北區衛生所"),
        ("HC-305", "香山衛生所"),
    ],
}
# Parents for the Hsinchu agencies that are not first-level (they take no part themselves).
HSINCHU_PARENTS = [("HC-001", "民政處"), ("HC-002", "地政處")]
HSINCHU_PARENT_OF = {
    "HC-204": "HC-001",
    "HC-205": "HC-001",
    "HC-206": "HC-001",
    "HC-302": "HC-001",
    "HC-301": "HC-002",
    "HC-303": "HC-101",
    "HC-304": "HC-101",
    "HC-305": "HC-101",
}

CITY_AGENCIES = [
    # code, name, kind, parent, category
    ("CT-100", "社會局", AgencyKind.FIRST_LEVEL, None, Category.OVERALL),
    ("CT-110", "家庭暴力及性侵害防治中心", AgencyKind.SUBORDINATE, "CT-100", Category.PROJECT),
    ("CT-120", "兒童及少年福利服務中心", AgencyKind.SUBORDINATE, "CT-100", Category.OVERALL),
    ("CT-200", "民政局", AgencyKind.FIRST_LEVEL, None, Category.OVERALL),
    ("CT-210", "中正戶政事務所", AgencyKind.SUBORDINATE, "CT-200", Category.OVERALL),
    ("CT-300", "都市發展局", AgencyKind.FIRST_LEVEL, None, Category.PROJECT),
    ("CT-901", "中正區公所", AgencyKind.DISTRICT_OFFICE, None, Category.OVERALL),
    ("CT-902", "大安區公所", AgencyKind.DISTRICT_OFFICE, None, Category.OVERALL),
]

SURNAMES = "陳林黃張李王吳劉蔡楊許鄭謝洪郭邱曾廖賴徐"
GIVEN = [
    "志明",
    "淑芬",
    "家豪",
    "雅婷",
    "俊傑",
    "怡君",
    "冠宇",
    "佳穎",
    "建宏",
    "美玲",
    "宗翰",
    "欣怡",
]

# Every demo agency that files has an officer and a head (CITY-2: the head approves).
DEMO_USERS = [
    # username, role, agency code, display name
    ("office", Role.COORDINATOR, None, "研考會 王承辦"),
    ("officer", Role.AGENCY_OFFICER, "HC-101", "衛生局 林承辦"),
    ("head", Role.AGENCY_HEAD, "HC-101", "衛生局 陳局長"),
    ("officer2", Role.AGENCY_OFFICER, "HC-102", "稅務局 張承辦"),
    ("head2", Role.AGENCY_HEAD, "HC-102", "稅務局 周局長"),
    ("city-officer", Role.AGENCY_OFFICER, "CT-100", "社會局 黃承辦"),
    ("city-head", Role.AGENCY_HEAD, "CT-100", "社會局 趙局長"),
    ("district-officer", Role.AGENCY_OFFICER, "CT-901", "中正區公所 孫承辦"),
    ("district-head", Role.AGENCY_HEAD, "CT-901", "中正區公所 何區長"),
    ("reviewer", Role.REVIEWER, None, "考核委員 李教授"),
    ("reviewer2", Role.REVIEWER, None, "考核委員 吳委員"),
    ("tester", Role.TESTER, None, "測試員 劉專員"),
]
DEMO_EMAIL_DOMAIN = "demo.serviceeval.tw"


def demo_email(username: str) -> str:
    """Every demo user has an address, so notices are e-mailed too (`make run` prints
    the mail on the console)."""
    return f"{username}@{DEMO_EMAIL_DOMAIN}"


def city_year(now: datetime | None = None) -> int:
    """The ROC year of the demo's CITY cycle, relative to today: the year whose plan
    deadline (CITY-2, 30 April) is the next one, so a newcomer finds the plan due
    ahead (in December 2026: 116, due 30 April 2027)."""
    now = now or timezone.now()
    program = program_latest("city-service-upgrade")
    year = gregorian_to_roc(timezone.localtime(now).year)
    due = next(at for m, at in milestone_moments(program.spec, year) if m.code == "plan_due")
    return year if now <= due else year + 1


def _person_name(i: int) -> str:
    return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)]


@transaction.atomic
def build_foundation(now: datetime | None = None) -> dict:
    hsinchu = program_latest("hsinchu-105")
    city = program_latest("city-service-upgrade")
    year = city_year(now)
    agencies = {}
    for code, name in HSINCHU_PARENTS:
        agencies[code], _ = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": AgencyKind.FIRST_LEVEL,
                "category": Category.OVERALL,
                "active": False,
            },
        )
    for group_code, members in HSINCHU_GROUPS.items():
        group = Group.objects.get(code=group_code)
        for code, name in members:
            kind = (
                AgencyKind.DISTRICT_OFFICE
                if name.endswith("區公所")
                else (
                    AgencyKind.SUBORDINATE if code in HSINCHU_PARENT_OF else AgencyKind.FIRST_LEVEL
                )
            )
            agencies[code], _ = Agency.objects.get_or_create(
                code=code,
                defaults={"name": name, "kind": kind, "category": Category.OVERALL, "group": group},
            )
    for code, parent in HSINCHU_PARENT_OF.items():
        Agency.objects.filter(code=code, parent__isnull=True).update(parent=agencies[parent])
    for code, name, kind, parent, category in CITY_AGENCIES:
        agencies[code], _ = Agency.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "category": category,
                "parent": agencies.get(parent) if parent else None,
            },
        )
    # Each agency belongs to its program's city, so a cycle takes only its own city's
    # agencies (also fills the city in databases loaded before agencies had one).
    Agency.objects.filter(code__startswith="HC-", city="").update(city=hsinchu.city)
    Agency.objects.filter(code__startswith="CT-", city="").update(city=city.city)
    roles = [
        PersonRole.HEAD,
        PersonRole.SECTION_CHIEF,
        PersonRole.OFFICER,
        PersonRole.EVALUATION_OFFICER,
    ]
    i = 0
    for agency in sorted(agencies.values(), key=lambda a: a.code):
        for role in roles:
            i += 1
            if not Person.objects.filter(agency=agency, cycle=None, role=role).exists():
                Person.objects.create(agency=agency, cycle=None, role=role, name=_person_name(i))
    if not Cycle.objects.filter(year=105).exists():
        cycle_create(program=hsinchu, year=105, groups=["1", "2", "3"])
    # Two earlier Hsinchu cycles, published by the reviews demo, so an agency's
    # results by year (issue 12 item 3) and the feedback report's "last time" show
    # something.
    for past in PAST_YEARS:
        if not Cycle.objects.filter(year=past).exists():
            cycle_create(program=hsinchu, year=past, groups=["1", "2", "3"])
    # The CITY cycle is the one whose plan deadline (30 April) comes next, so its
    # deadlines are ahead; Hsinchu's 105 cycle is the past one (deadlines in 2016).
    if not Cycle.objects.filter(year=year).exists():
        cycle_create(program=city, year=year)
    users = []
    for username, role, agency_code, display in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(
                username=username,
                role=role,
                agency=agencies.get(agency_code) if agency_code else None,
                email=demo_email(username),
            )
            user.last_name = display
            user.set_password(DEMO_PASSWORD)
            user.save()
        elif not user.email:  # a database loaded before demo users had addresses
            user.email = demo_email(username)
            user.save(update_fields=["email"])
        users.append(user)
    return {
        "agencies": agencies,
        "users": users,
        "cycles": {c.year: c for c in Cycle.objects.all()},
        "city_year": year,
    }


def build(now: datetime | None = None) -> dict:
    from importlib import import_module

    from django.apps import apps

    ctx = build_foundation(now)
    for config in apps.get_app_configs():
        if not config.name.startswith("serviceeval."):
            continue
        try:
            module = import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        module.build(ctx)
    return ctx
