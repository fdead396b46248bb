"""National-scale bench for issue 5 (SPEC §5): 2,000 agencies, 24,000 telephone
tests and 8,000 mystery-shopper visits on the CITY program.

    .venv/bin/python bench/fieldtests.py                      # SQLite, throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serviceeval \
        .venv/bin/python bench/fieldtests.py                  # PostgreSQL

Like bench/results.py it builds Django's test database beside the configured one,
loads the data through the import services (CSV files, all-or-nothing), prints
the figures and drops the database again.

Printed: the time of each import, of the yearly averages of every agency
(CITY-8/9), and of the roster (CITY-12/13: load + rules + store), with the peak
Python memory of the averages and the roster, and the median time of the pages
that read the field tests. Bar: averages + roster ≤ 2 s.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")

import national  # noqa: E402  (this folder: the shared national data set)
from national import AGENCIES, CALLS, VISITS  # noqa: E402


def measure(label, fn, *, memory=True):
    gc.collect()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    peak = None
    if memory:
        gc.collect()
        tracemalloc.start()
        fn()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    mem = f"  peak {peak:7.1f} MB" if peak is not None else ""
    print(f"{label:<52} {seconds:7.2f} s{mem}", flush=True)
    return result, seconds, peak


def build(tmp: Path):
    """2,000 agencies with their standing roster, the city-service-upgrade cycle, the
    testers and the CSV files of the calls and visits (bench/national.py)."""
    return national.fieldtest_cycle(tmp, national.agencies(groups=False, people=True))


def run(cycle, phone, visits, args):
    from serviceeval.core.tabular import read_rows
    from serviceeval.fieldtests.models import MysteryVisit, PhoneTest
    from serviceeval.fieldtests.selectors import averages, field_test_figures
    from serviceeval.fieldtests.services import (
        PHONE_COLUMNS,
        VISIT_COLUMNS,
        mystery_visits_import,
        phone_tests_import,
    )
    from serviceeval.rewards.models import RewardEntry
    from serviceeval.rewards.services import roster_refresh

    def imp(fn, path, cols):
        def go():
            report = fn(cycle=cycle, rows=read_rows(path, cols))
            assert report.errors == [], report.errors[:5]
            return report

        return go

    measure(
        f"import_phone_tests CSV ({CALLS} rows, + roster)",
        imp(phone_tests_import, phone, PHONE_COLUMNS),
        memory=False,
    )
    measure(
        f"import_mystery_visits CSV ({VISITS} rows, + roster)",
        imp(mystery_visits_import, visits, VISIT_COLUMNS),
        memory=False,
    )
    assert PhoneTest.objects.count() == CALLS and MysteryVisit.objects.count() == VISITS
    memory = not args.no_memory
    ids = list(cycle.participants.values_list("agency_id", flat=True))
    _, t_avg, _ = measure(
        "yearly averages, every agency (CITY-8/9)", lambda: averages(cycle), memory=memory
    )
    measure(
        "field_test_figures for the score sheets",
        lambda: field_test_figures(cycle=cycle, agency_ids=ids),
        memory=False,
    )
    RewardEntry.objects.filter(cycle=cycle).delete()  # the imports already built it: start empty
    _, t_roster, _ = measure(
        "roster: load + rules + store (CITY-12/13)",
        lambda: roster_refresh(cycle=cycle, actor=None, force=True),
        memory=memory,
    )
    n = RewardEntry.objects.filter(cycle=cycle).count()
    rules = sorted(set(RewardEntry.objects.filter(cycle=cycle).values_list("rule", flat=True)))
    print(f"  {n} roster entries ({', '.join(rules)})")
    pages(cycle)
    print()
    total = t_avg + t_roster
    print(f"bar: averages + roster ≤ 2 s  →  {total:.2f} s")
    print("result:", "within the bar" if total <= 2 else "OVER THE BAR")


def pages(cycle):
    """Median of 5 GETs (after one warm-up) of the pages that read all the field tests."""
    import statistics

    from django.test import Client
    from django.test.utils import setup_test_environment

    from serviceeval.accounts.models import User

    setup_test_environment()
    office = User.objects.create(username="bench-office", role="coordinator")
    tester = User.objects.get(username="tester00")
    for user, url in (
        (office, f"/fieldtests/?cycle={cycle.year}"),
        (office, f"/rewards/?cycle={cycle.year}"),
        (tester, f"/fieldtests/{cycle.year}/phone/new/"),
        (tester, "/dashboard/"),
        (office, "/dashboard/"),
    ):
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        assert client.get(url).status_code == 200
        times = []
        for _ in range(5):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        who = user.role
        print(
            f"page {url:<36} {who:<12} median {statistics.median(times) * 1000:6.0f} ms", flush=True
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc re-runs")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="serviceeval-bench-ft-"))
    with national.throwaway_database(tmp):
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        start = time.perf_counter()
        cycle, phone, visits = build(tmp)
        print(f"built {AGENCIES} agencies and the CSV files in {time.perf_counter() - start:.1f} s")
        run(cycle, phone, visits, args)


if __name__ == "__main__":
    main()
