"""The national-scale data set of SPEC §5, shared by the bench scripts.

2,000 agencies; a hsinchu-105 cycle with 150 reviewers, 5 reviewers an agency and the
26-criterion rubric (260,000 scores, written to CSV and XLSX files for the import);
a city-service-upgrade cycle with 24,000 telephone tests and 8,000 mystery-shopper
visits (CSV files). Each builder writes the database rows it needs and the files the
import services read; loading the files is left to the caller (it is what the
results and field-test benches time).

`throwaway_database` creates the database the data goes to beside the configured one
and drops it afterwards, so a bench never touches the database DATABASE_URL names.
"""

from __future__ import annotations

import csv
import os
import sys
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")

AGENCIES = 2000
REVIEWERS = 150
PER_AGENCY = 5
CALLS = 24000
VISITS = 8000
TESTERS = 40
REVIEW_YEAR = 105  # hsinchu-105
FIELD_YEAR = 116  # city-service-upgrade


@contextmanager
def throwaway_database(tmp: Path, *, name: str | None = None):
    """Django's test database beside the configured one: SQLite in `tmp`, PostgreSQL
    `test_<name>` (or `name` when given). Yields the settings dict; drops it on exit."""
    from django.db import connection

    test = connection.settings_dict.setdefault("TEST", {})
    if connection.vendor == "sqlite":
        test["NAME"] = str(tmp / "bench.sqlite3")
    elif name:
        test["NAME"] = name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield connection.settings_dict
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def agencies(*, groups: bool = True, people: bool = False) -> list:
    """AGENCIES first-level agencies of the overall category, N0000.., spread over the
    groups (HSC-1) when `groups`; with `people`, the four standing roster roles each."""
    from serviceeval.agencies.models import Agency, Group, Person

    group_list = list(Group.objects.order_by("code")) if groups else []
    Agency.objects.bulk_create(
        Agency(
            code=f"N{i:04d}",
            name=f"全國機關{i:04d}",
            kind="first-level",
            category="overall",
            group=group_list[i % len(group_list)] if group_list else None,
        )
        for i in range(AGENCIES)
    )
    out = list(Agency.objects.order_by("code"))
    if people:
        Person.objects.bulk_create(
            (
                Person(agency=a, cycle=None, role=role, name=f"{role[:3]}{a.code}")
                for a in out
                for role in ("head", "section_chief", "officer", "evaluation_officer")
            ),
            batch_size=5000,
        )
    return out


def review_cycle(tmp: Path, agency_list: list, *, xlsx: bool = True):
    """The hsinchu-105 cycle, its panel of REVIEWERS (rev000 convenes) and PER_AGENCY
    assignments an agency; the 260,000 first-round scores as CSV and (unless `xlsx` is
    false) XLSX files. Returns (cycle, csv path, xlsx path or None, number of score rows)."""
    from django.contrib.auth.hashers import make_password

    from serviceeval.accounts.models import User
    from serviceeval.cycles.services import cycle_create
    from serviceeval.programs.services import program_latest
    from serviceeval.reviews.models import Assignment, PanelMember
    from serviceeval.reviews.services import spec_of

    cycle = cycle_create(program=program_latest("hsinchu-105"), year=REVIEW_YEAR)
    unusable = make_password(None)
    User.objects.bulk_create(
        User(username=f"rev{i:03d}", role="reviewer", password=unusable) for i in range(REVIEWERS)
    )
    reviewers = list(User.objects.filter(role="reviewer").order_by("username"))
    PanelMember.objects.bulk_create(
        PanelMember(cycle=cycle, user=u, role="convener" if i == 0 else "member")
        for i, u in enumerate(reviewers)
    )
    assignments = []
    for i, agency in enumerate(agency_list):
        for k in range(PER_AGENCY):
            assignments.append(
                Assignment(
                    cycle=cycle, agency=agency, reviewer=reviewers[(i * PER_AGENCY + k) % REVIEWERS]
                )
            )
    Assignment.objects.bulk_create(assignments, batch_size=5000)
    leaves = spec_of(cycle).category("overall").leaves()
    header = ["agency", "reviewer", "criterion", "score", "comment"]
    rows = []
    for i, agency in enumerate(agency_list):
        for k in range(PER_AGENCY):
            reviewer = reviewers[(i * PER_AGENCY + k) % REVIEWERS]
            for j, leaf in enumerate(leaves):
                # Deterministic spread of scores on the 0.5 step, 55–100 % of max.
                # Agencies spread over 甲/乙/丙 (about 52–96 % of the points).
                share = Decimal(52 + (i * 37) % 40 + (k * 3 + j) % 5) / 100
                value = (leaf.max_points * share * 2).to_integral_value() / 2
                rows.append([agency.code, reviewer.username, leaf.code, str(value), "評語"])
    csv_path = tmp / "scores.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    if not xlsx:
        return cycle, csv_path, None, len(rows)
    xlsx_path = tmp / "scores.xlsx"
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(xlsx_path)
    return cycle, csv_path, xlsx_path, len(rows)


def re_evaluation_round(cycle):
    """HSC-10: the agencies graded 丙 get a re-evaluation round by the last reviewer,
    half of them passing. Returns (agencies re-evaluated, scores imported)."""
    from serviceeval.accounts.models import User
    from serviceeval.agencies.models import Agency
    from serviceeval.reviews.models import Assignment
    from serviceeval.reviews.services import results_json, scores_import, spec_of

    failing = [r["agency"] for r in results_json(cycle) if r["grade"] == "C"]
    ids = dict(Agency.objects.filter(code__in=failing).values_list("code", "pk"))
    reviewer = User.objects.filter(role="reviewer").order_by("username").last()
    Assignment.objects.bulk_create(
        Assignment(cycle=cycle, agency_id=ids[c], reviewer=reviewer, round="re-evaluation")
        for c in failing
    )
    re_rows = []
    for i, code in enumerate(failing):
        share = Decimal(60 + (i * 11) % 20) / 100  # half pass (≥ 70 %), half fail
        for leaf in spec_of(cycle).category("overall").leaves():
            value = (leaf.max_points * share * 2).to_integral_value() / 2
            re_rows.append(
                (
                    len(re_rows) + 2,
                    {
                        "agency": code,
                        "reviewer": reviewer.username,
                        "criterion": leaf.code,
                        "score": str(value),
                        "comment": "",
                    },
                )
            )
    report = scores_import(cycle=cycle, rows=re_rows, round="re-evaluation")
    assert report.errors == [], report.errors[:3]
    return len(failing), len(re_rows)


def fieldtest_cycle(tmp: Path, agency_list: list):
    """The city-service-upgrade cycle and TESTERS testers (tester00..); CALLS telephone
    tests and VISITS visits as CSV files dated in the cycle year.
    Returns (cycle, phone CSV path, visits CSV path)."""
    from django.contrib.auth.hashers import make_password

    from serviceeval.accounts.models import User
    from serviceeval.cycles.services import cycle_create
    from serviceeval.programs.services import program_latest

    cycle = cycle_create(program=program_latest("city-service-upgrade"), year=FIELD_YEAR)
    unusable = make_password(None)
    User.objects.bulk_create(
        User(username=f"tester{i:02d}", role="tester", password=unusable) for i in range(TESTERS)
    )
    n = len(agency_list)
    phone = tmp / "calls.csv"
    with phone.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agency", "date", "tester", "tested_staff", "switchboard", "business"])
        for k in range(CALLS):
            a = agency_list[k % n]
            i = k // n
            # deterministic spread: averages from about 70 to 100
            sw = "" if (k % 7 == 0) else str(30 + (k * 7) % 16)
            biz = str(40 + (k * 11) % 16)
            w.writerow(
                [
                    a.code,
                    f"2027-{1 + i % 12:02d}-{1 + k % 28:02d}",
                    f"tester{k % TESTERS:02d}",
                    f"受測{i % 3}",
                    sw,
                    biz,
                ]
            )
    visits = tmp / "visits.csv"
    with visits.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["agency", "date", "tester", "tested_staff", "score"])
        for k in range(VISITS):
            a = agency_list[k % n]
            w.writerow(
                [
                    a.code,
                    f"2027-{1 + k % 12:02d}-{1 + k % 28:02d}",
                    f"tester{k % TESTERS:02d}",
                    f"櫃台{k % 2}",
                    str(60 + (k * 13) % 41),
                ]
            )
    return cycle, phone, visits
