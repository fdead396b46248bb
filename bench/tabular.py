"""Spreadsheet bench: the calamine reader and the XlsxWriter long export at national
scale (SPEC §5: 260,000 score rows, 2,000 agencies × 5 reviewers × 26 criteria).

    .venv/bin/python bench/tabular.py               # seconds, then peak memory
    .venv/bin/python bench/tabular.py --no-memory   # seconds only

No database: it writes the long-format score export (the `LONG_HEADER` columns,
the rows `long_format_rows` gives) for 260,000 synthetic scores as XLSX
(`exports.writers.write_xlsx`, XlsxWriter) and as ODS (`reviews.exporters.
stream_ods`) into a temporary folder, then reads each file back with the import
reader (`core.tabular.read_rows`, python-calamine). Printed: seconds and peak
memory (tracemalloc: Python's allocations; ru_maxrss: the process, Rust included)
of each step (the max RSS is the process's peak so far), beside the bar: long export ≤ 20 s (and each import ≤ 30 s, of which
reading is a part).
"""

from __future__ import annotations

import gc
import os
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")
os.environ.setdefault("DEBUG", "0")

AGENCIES, PER_AGENCY, CRITERIA = 2_000, 5, 26
EXPORT_BAR, READ_BAR = 20.0, 30.0


def long_rows():
    """260,000 rows shaped as `long_format_rows` gives them."""
    rows = []
    for a in range(AGENCIES):
        for r in range(PER_AGENCY):
            reviewer = (a * PER_AGENCY + r) % 150
            for c in range(CRITERIA):
                rows.append(
                    [
                        f"N{a:04d}",
                        f"第{a:04d}機關",
                        f"rev{reviewer:03d}",
                        f"委員{reviewer:03d}",
                        "first",
                        f"{c // 5 + 1}.{c % 5 + 1}.1",
                        Decimal(f"{(a + r + c) % 40 + 10}.{c % 2 * 5}"),
                        "意見：=需改善" if c % 4 == 0 else "",
                        "submitted",
                    ]
                )
    return rows


def measure(label, fn, bar, *, memory=True):
    """Seconds of one run; then, unless --no-memory, the peak of Python's allocations
    (tracemalloc) in a second run (tracemalloc slows a run several times)."""
    gc.collect()
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    mem = ""
    if memory:
        del result
        gc.collect()
        tracemalloc.start()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        mem = f"   peak {peak:7.1f} MB"
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "ok" if seconds <= bar else "OVER"
    print(
        f"{label:<36} {seconds:7.2f} s{mem}   max RSS so far {rss:7.1f} MB   "
        f"bar ≤ {bar:.0f} s: {verdict}",
        flush=True,
    )
    return result, seconds


def main():
    import django

    memory = "--no-memory" not in sys.argv[1:]
    django.setup()
    from serviceeval.core.tabular import read_rows
    from serviceeval.exports.writers import Sheet, write_xlsx
    from serviceeval.reviews.exporters import stream_ods
    from serviceeval.reviews.services import LONG_HEADER, REQUIRED_IMPORT_COLUMNS

    tmp = Path(tempfile.mkdtemp(prefix="serviceeval-tabular-"))
    try:
        rows = long_rows()
        print(f"{len(rows):,} score rows, {len(LONG_HEADER)} columns; files in {tmp}")
        sheet = Sheet("scores-105", LONG_HEADER, rows)
        data, _ = measure(
            "write long export XLSX (XlsxWriter)",
            lambda: write_xlsx([sheet]),
            EXPORT_BAR,
            memory=memory,
        )
        (tmp / "scores.xlsx").write_bytes(data)
        data, _ = measure(
            "write long export ODS", lambda: stream_ods(sheet), EXPORT_BAR, memory=memory
        )
        (tmp / "scores.ods").write_bytes(data)
        del data
        for name in ("scores.xlsx", "scores.ods"):
            path = tmp / name
            print(f"  {name}: {path.stat().st_size / 1e6:.1f} MB")
            read, _ = measure(
                f"read {name} (calamine)",
                lambda path=path: read_rows(path, REQUIRED_IMPORT_COLUMNS),
                READ_BAR,
                memory=memory,
            )
            assert len(read) == len(rows), len(read)
            assert read[0][1]["score"] == format(rows[0][6].normalize(), "f")
            del read
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
