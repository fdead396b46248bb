"""National-scale bench for `send_reminders` (issue 13 item 6): 2,000 agencies
with an officer and a head each, 150 reviewers with 5 reviewers an agency, the
report deadline and the scoring deadline 5 days ahead, so every agency and every
reviewer is owed a 7-day reminder.

    .venv/bin/python bench/reminders.py                      # SQLite, throwaway file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/serviceeval \
        .venv/bin/python bench/reminders.py                  # PostgreSQL

Printed: the time of the first run (every notice new, every e-mail sent through
Django's in-memory backend) and of a second run (nothing new: idempotent), against
the 30 s bar.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "serviceeval.settings.base")
os.environ.setdefault("DEBUG", "0")

import national  # noqa: E402  (this folder: the shared national data set)
from national import AGENCIES, REVIEWERS  # noqa: E402

BAR_SECONDS = 30.0


def build(tmp: Path):
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from serviceeval.accounts.models import User
    from serviceeval.cycles.models import Milestone

    agency_list = national.agencies()
    cycle, *_ = national.review_cycle(tmp, agency_list, xlsx=False)
    unusable = make_password(None)
    User.objects.bulk_create(
        (
            User(
                username=f"{role[7:]}{a.code}",
                role=role,
                agency=a,
                email=f"{role[7:]}{a.code}@bench.gov.tw",
                password=unusable,
            )
            for a in agency_list
            for role in ("agency_officer", "agency_head")
        ),
        batch_size=2000,
    )
    for u in User.objects.filter(role="reviewer"):
        u.email = f"{u.username}@bench.gov.tw"
        u.save(update_fields=["email"])
    soon = timezone.now() + timedelta(days=5)
    Milestone.objects.filter(cycle=cycle, code="report_due").update(at=soon)
    Milestone.objects.update_or_create(
        cycle=cycle, code="scoring_due", defaults={"name": "評分截止", "at": soon, "deadline": True}
    )
    return cycle


def run_once() -> tuple[float, str]:
    from django.core.management import call_command

    out = io.StringIO()
    start = time.perf_counter()
    call_command("send_reminders", stdout=out)
    return time.perf_counter() - start, out.getvalue().strip()


def main() -> int:
    import django
    from django.conf import settings

    django.setup()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from django.db import connection

    with tempfile.TemporaryDirectory() as tmp, national.throwaway_database(Path(tmp)):
        print(f"database: {connection.vendor}; {AGENCIES} agencies, {REVIEWERS} reviewers")
        t0 = time.perf_counter()
        build(Path(tmp))
        print(f"{'build the data set':<44} {time.perf_counter() - t0:7.2f} s")
        from django.core import mail

        first, out1 = run_once()
        sent = len(mail.outbox)
        second, out2 = run_once()
        print(f"{'send_reminders, first run':<44} {first:7.2f} s   bar {BAR_SECONDS:.0f} s")
        print(f"    {out1}")
        print(
            f"{'send_reminders, second run (nothing new)':<44} {second:7.2f} s   bar {BAR_SECONDS:.0f} s"
        )
        print(f"    {out2}")
        ok = first <= BAR_SECONDS and second <= BAR_SECONDS and len(mail.outbox) == sent
        print(f"e-mails sent: {sent}; verdict: {'within the bar' if ok else 'MISSES THE BAR'}")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
