"""National-scale bench for issue 4 (SPEC §5): 2,000 agencies, 150 reviewers,
5 reviewers an agency, the 26-criterion rubric = 260,000 scores.

    .venv/bin/python bench/results.py                      # SQLite, throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serviceeval \
        .venv/bin/python bench/results.py                  # PostgreSQL

It never touches the database DATABASE_URL names: it creates Django's test
database beside it (SQLite: a temporary file; PostgreSQL: `test_<name>`),
builds the data there, prints the figures and drops it again.

Printed: time and peak Python memory (tracemalloc) of `compute_results` and of
`import_scores` (CSV and XLSX files of 260,000 rows), and the time of the
long-format export as CSV and XLSX. Bars: compute ≤ 2 s and ≤ 500 MB,
import ≤ 30 s, export ≤ 20 s.
"""

from __future__ import annotations

import argparse
import csv
import gc
import os
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")
os.environ.setdefault("DEBUG", "0")  # no query log in memory

AGENCIES = 2000
REVIEWERS = 150
PER_AGENCY = 5


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
    print(f"{label:<44} {seconds:7.2f} s{mem}", flush=True)
    return result, seconds, peak


def build(tmp: Path):
    from django.contrib.auth.hashers import make_password

    from serviceeval.accounts.models import User
    from serviceeval.agencies.models import Agency, Group
    from serviceeval.cycles.services import cycle_create
    from serviceeval.programs.services import program_latest
    from serviceeval.reviews.models import Assignment, PanelMember
    from serviceeval.reviews.services import spec_of

    groups = list(Group.objects.order_by("code"))
    Agency.objects.bulk_create(
        Agency(code=f"N{i:04d}", name=f"全國機關{i:04d}", kind="first-level",
               category="overall", group=groups[i % len(groups)])
        for i in range(AGENCIES)
    )  # fmt: skip
    cycle = cycle_create(program=program_latest("hsinchu-105"), year=105)
    unusable = make_password(None)
    User.objects.bulk_create(
        User(username=f"rev{i:03d}", role="reviewer", password=unusable) for i in range(REVIEWERS)
    )
    reviewers = list(User.objects.filter(role="reviewer").order_by("username"))
    PanelMember.objects.bulk_create(
        PanelMember(cycle=cycle, user=u, role="convener" if i == 0 else "member")
        for i, u in enumerate(reviewers)
    )
    agencies = list(Agency.objects.order_by("code"))
    assignments = []
    for i, agency in enumerate(agencies):
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
    for i, agency in enumerate(agencies):
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
    xlsx_path = tmp / "scores.xlsx"
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(xlsx_path)
    return cycle, csv_path, xlsx_path, len(rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc re-runs")
    parser.add_argument("--skip-xlsx-import", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="serviceeval-bench-"))
    if connection.vendor == "sqlite":
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(tmp / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        start = time.perf_counter()
        cycle, csv_path, xlsx_path, n = build(tmp)
        print(f"built {AGENCIES} agencies, {REVIEWERS} reviewers, {n} score rows "
              f"in {time.perf_counter() - start:.1f} s")  # fmt: skip
        run(cycle, csv_path, xlsx_path, n, args)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(cycle, csv_path, xlsx_path, n, args):
    from serviceeval.accounts.models import User
    from serviceeval.agencies.models import Agency
    from serviceeval.reviews.exporters import long_format_bytes
    from serviceeval.reviews.models import Assignment, Score, Sheet
    from serviceeval.reviews.services import (
        REQUIRED_IMPORT_COLUMNS,
        publish_results,
        results_json,
        scores_import,
        spec_of,
    )
    from serviceeval.reviews.tabular import read_score_rows as read_rows

    def do_import(path):
        def go():
            report = scores_import(cycle=cycle, rows=read_rows(path, REQUIRED_IMPORT_COLUMNS))
            assert report.errors == [], report.errors[:5]
            return report

        return go

    memory = not args.no_memory
    report, t_import, m_import = measure(
        f"import_scores CSV ({n} rows)", do_import(csv_path), memory=memory
    )
    assert report.scores == n and Score.objects.count() == n, Score.objects.count()
    if not args.skip_xlsx_import:
        measure(f"import_scores XLSX ({n} rows, re-import)", do_import(xlsx_path), memory=False)
    assert Sheet.objects.count() == AGENCIES * PER_AGENCY

    # HSC-10: the agencies graded 丙 get a re-evaluation round (one reviewer each),
    # so the computation below covers both rounds and every agency is complete.
    first = results_json(cycle)
    failing = [r["agency"] for r in first if r["grade"] == "C"]
    agencies = dict(Agency.objects.filter(code__in=failing).values_list("code", "pk"))
    reviewer = User.objects.filter(role="reviewer").order_by("username").last()
    Assignment.objects.bulk_create(
        Assignment(cycle=cycle, agency_id=agencies[c], reviewer=reviewer, round="re-evaluation")
        for c in failing
    )
    re_rows = []
    for i, code in enumerate(failing):
        share = Decimal(60 + (i * 11) % 20) / 100  # half pass (≥ 70 %), half fail
        for leaf in spec_of(cycle).category("overall").leaves():
            value = (leaf.max_points * share * 2).to_integral_value() / 2
            re_rows.append((len(re_rows) + 2, {"agency": code, "reviewer": reviewer.username,
                                               "criterion": leaf.code, "score": str(value),
                                               "comment": ""}))  # fmt: skip
    report = scores_import(cycle=cycle, rows=re_rows, round="re-evaluation")
    assert report.errors == [], report.errors[:3]
    print(f"  re-evaluation round: {len(failing)} agencies, {len(re_rows)} scores")

    rows, t_compute, m_compute = measure(
        "compute_results (load + engine + JSON rows)", lambda: results_json(cycle), memory=memory
    )
    complete = sum(1 for r in rows if r["status"] == "complete")
    grades = {g: sum(1 for r in rows if r["grade"] == g) for g in ("A", "B", "C")}
    print(f"  {len(rows)} agencies, {complete} complete, grades {grades}")
    _, t_csv, _ = measure("export long format CSV", lambda: long_format_bytes(cycle, "csv"),
                          memory=False)  # fmt: skip
    _, t_xlsx, _ = measure("export long format XLSX", lambda: long_format_bytes(cycle, "xlsx"),
                           memory=False)  # fmt: skip
    _, t_ods, _ = measure("export long format ODS", lambda: long_format_bytes(cycle, "ods"),
                          memory=False)  # fmt: skip
    _, t_publish, _ = measure("publish_results (compute + snapshot + carry-over)",
                              lambda: publish_results(cycle=cycle, actor=None), memory=False)  # fmt: skip
    print()
    print("bar: compute ≤ 2 s and ≤ 500 MB; import ≤ 30 s; export ≤ 20 s")
    ok = t_compute <= 2 and t_import <= 30 and max(t_csv, t_xlsx, t_ods) <= 20
    if memory:
        ok = ok and m_compute <= 500
    print("result:", "within the bar" if ok else "OVER THE BAR")


if __name__ == "__main__":
    main()
