"""National-scale bench for issue 4 (SPEC §5): 2,000 agencies, 150 reviewers,
5 reviewers an agency, the 26-criterion rubric = 260,000 scores.

    .venv/bin/python bench/results.py                      # SQLite, throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serviceeval \
        .venv/bin/python bench/results.py                  # PostgreSQL

It never touches the database DATABASE_URL names: it creates Django's test
database beside it (SQLite: a temporary file; PostgreSQL: `test_<name>`),
builds the data there, prints the figures and drops it again.

Printed: time and peak Python memory (tracemalloc) of `compute_results`, the time of
`import_scores` of CSV and XLSX files of 260,000 rows (reading the file + the import
service; the XLSX import replaces the scores the CSV import stored), and the time of
the long-format export as CSV, XLSX and ODS; side by side, the medians of five
alternate runs of `compute_results` and of one SQL aggregate over the same score
rows (issue 10). Bars: compute ≤ 2 s, ≤ 500 MB and ≤ 3× the aggregate; each import
≤ 30 s; each export ≤ 20 s; the verdict covers all of them
(`--skip-xlsx-import` leaves the XLSX import out and says the verdict is partial).
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")
os.environ.setdefault("DEBUG", "0")  # no query log in memory

import national  # noqa: E402  (this folder: the shared national data set)
from national import AGENCIES, PER_AGENCY, REVIEWERS  # noqa: E402


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


def sql_aggregate(cycle):
    """The floor of issue 10: one SQL statement over the same score rows, per round,
    agency and criterion the mean, summed per agency."""
    from django.db import connection

    from serviceeval.reviews.models import Score, Sheet

    score, sheet = Score._meta.db_table, Sheet._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rnd, agency_id, SUM(m) FROM ("
            f" SELECT sh.round AS rnd, sh.agency_id AS agency_id, sc.criterion AS c,"
            f" AVG(sc.score) AS m FROM {score} sc JOIN {sheet} sh ON sc.sheet_id = sh.id"
            f" WHERE sh.cycle_id = %s AND sh.status = 'submitted' AND sc.score IS NOT NULL"
            f" GROUP BY sh.round, sh.agency_id, sc.criterion) t GROUP BY rnd, agency_id",
            [cycle.pk],
        )
        return cursor.fetchall()


def side_by_side(cycle, compute, runs=5):
    """The SQL aggregate and `compute`, alternately `runs` times; medians and ratio."""
    sql, ours = [], []
    for _ in range(runs):
        for fn, out in ((lambda: sql_aggregate(cycle), sql), (lambda: compute(cycle), ours)):
            gc.collect()
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    t_sql, t_ours = statistics.median(sql), statistics.median(ours)
    print(f"{'  one SQL aggregate (median of ' + str(runs) + ')':<44} {t_sql:7.2f} s")
    print(f"{'  compute_results (median of ' + str(runs) + ')':<44} {t_ours:7.2f} s")
    print(f"  compute / SQL aggregate: {t_ours / t_sql:.1f}× (bar ≤ 3×)")
    return t_ours / t_sql


def build(tmp: Path):
    """2,000 agencies in groups, the hsinchu-105 cycle, panel and assignments, and the
    score files (bench/national.py)."""
    return national.review_cycle(tmp, national.agencies(groups=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc re-runs")
    parser.add_argument(
        "--skip-xlsx-import",
        action="store_true",
        help="do not time the XLSX import (the verdict is then partial)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    tmp = Path(tempfile.mkdtemp(prefix="serviceeval-bench-"))
    with national.throwaway_database(tmp):
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
        start = time.perf_counter()
        cycle, csv_path, xlsx_path, n = build(tmp)
        print(
            f"built {AGENCIES} agencies, {REVIEWERS} reviewers, {n} score rows "
            f"in {time.perf_counter() - start:.1f} s"
        )
        run(cycle, csv_path, xlsx_path, n, args)


def run(cycle, csv_path, xlsx_path, n, args):
    from serviceeval.reviews.exporters import long_format_bytes
    from serviceeval.reviews.models import Score, Sheet
    from serviceeval.reviews.services import (
        REQUIRED_IMPORT_COLUMNS,
        publish_results,
        results_json,
        scores_import,
    )
    from serviceeval.reviews.tabular import read_score_rows as read_rows

    read_seconds = {}

    def do_import(path):
        def go():
            start = time.perf_counter()
            rows = read_rows(path, REQUIRED_IMPORT_COLUMNS)
            read_seconds.setdefault(path, time.perf_counter() - start)  # not the tracemalloc run
            report = scores_import(cycle=cycle, rows=rows)
            assert report.errors == [], report.errors[:5]
            return report

        return go

    memory = not args.no_memory
    report, t_import, m_import = measure(
        f"import_scores CSV ({n} rows)", do_import(csv_path), memory=memory
    )
    print(f"  reading the CSV file: {read_seconds[csv_path]:.2f} s")
    assert report.scores == n and Score.objects.count() == n, Score.objects.count()
    t_import_xlsx = None
    if not args.skip_xlsx_import:
        report, t_import_xlsx, _ = measure(
            f"import_scores XLSX ({n} rows, re-import)", do_import(xlsx_path), memory=False
        )
        print(f"  reading the XLSX file: {read_seconds[xlsx_path]:.2f} s")
        assert report.scores == n and Score.objects.count() == n, Score.objects.count()
    assert Sheet.objects.count() == AGENCIES * PER_AGENCY

    # HSC-10: the agencies graded 丙 get a re-evaluation round (one reviewer each),
    # so the computation below covers both rounds and every agency is complete.
    n_failing, n_re = national.re_evaluation_round(cycle)
    print(f"  re-evaluation round: {n_failing} agencies, {n_re} scores")

    rows, t_compute, m_compute = measure(
        "compute_results (load + engine + JSON rows)", lambda: results_json(cycle), memory=memory
    )
    ratio = side_by_side(cycle, results_json)
    complete = sum(1 for r in rows if r["status"] == "complete")
    grades = {g: sum(1 for r in rows if r["grade"] == g) for g in ("A", "B", "C")}
    print(f"  {len(rows)} agencies, {complete} complete, grades {grades}")
    _, t_csv, _ = measure(
        "export long format CSV", lambda: long_format_bytes(cycle, "csv"), memory=False
    )
    _, t_xlsx, _ = measure(
        "export long format XLSX", lambda: long_format_bytes(cycle, "xlsx"), memory=False
    )
    _, t_ods, _ = measure(
        "export long format ODS", lambda: long_format_bytes(cycle, "ods"), memory=False
    )
    _, t_publish, _ = measure(
        "publish_results (compute + snapshot + carry-over)",
        lambda: publish_results(cycle=cycle, actor=None),
        memory=False,
    )
    print()
    print(
        "bar: compute ≤ 2 s and ≤ 500 MB and ≤ 3× the SQL aggregate; "
        "import ≤ 30 s (CSV and XLSX); export ≤ 20 s"
    )
    checks = [
        ("compute", t_compute, 2, "s"),
        ("compute / SQL aggregate", ratio, 3, "×"),
        ("import CSV", t_import, 30, "s"),
        ("export CSV", t_csv, 20, "s"),
        ("export XLSX", t_xlsx, 20, "s"),
        ("export ODS", t_ods, 20, "s"),
    ]
    if t_import_xlsx is not None:
        checks.append(("import XLSX", t_import_xlsx, 30, "s"))
    if memory:
        checks.append(("compute memory", m_compute, 500, "MB"))
    over = [
        f"{name} {value:.2f} {unit} > {bar} {unit}"
        for name, value, bar, unit in checks
        if value > bar
    ]
    print("result:", "within the bar" if not over else "OVER THE BAR: " + "; ".join(over))
    if t_import_xlsx is None:
        print("PARTIAL VERDICT: the XLSX import was not measured (--skip-xlsx-import)")
    if not memory:
        print("PARTIAL VERDICT: memory was not measured (--no-memory)")


if __name__ == "__main__":
    main()
