"""Processes for the F3 drill (tests/core/test_backup.py): each runs as its own
`python -m tests.core.backup_clients ...` against the database in DATABASE_URL, as
the web workers and the operator's `manage.py backup` would.

  seed                     the demo data (1,400 scores, 200 audit events)
  write STOP LOG           sign-ins (User.last_login) and score changes until STOP exists;
                           one line per commit in LOG: its time
  backup FILE LOG          `manage.py backup FILE`; LOG gets its start and end times
  checksum                 print the scores' and sign-ins' checksum
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import django


def score_checksum(scores, logins) -> str:
    """scores: (pk, sheet id, criterion, score or None); logins: (pk, last_login or None),
    values as the database gives them or as the backup's JSON holds them."""
    digest = hashlib.sha256()
    for pk, sheet, criterion, score in sorted(scores):
        exact = None if score is None else str(Decimal(score).quantize(Decimal("0.01")))
        digest.update(repr((pk, sheet, criterion, exact)).encode())
    for pk, at in sorted(logins):
        if isinstance(at, str):
            at = datetime.fromisoformat(at)
        digest.update(repr((pk, None if at is None else at.isoformat())).encode())
    return digest.hexdigest()


def seed():
    from serviceeval.demo import build

    build()


def write(stop: str, log: str):
    from django.db import transaction
    from django.utils import timezone

    from serviceeval.accounts.models import User
    from serviceeval.reviews.models import Score

    users = list(User.objects.values_list("pk", flat=True))
    scores = list(Score.objects.values_list("pk", flat=True))
    rng = random.Random()
    with open(log, "a", buffering=1) as out:
        while not Path(stop).exists():
            with transaction.atomic():
                User.objects.filter(pk=rng.choice(users)).update(last_login=timezone.now())
                Score.objects.filter(pk=rng.choice(scores)).update(
                    score=Decimal(rng.randint(0, 10000)) / 100
                )
            out.write(f"{time.time()}\n")
            time.sleep(0.005)  # two cores: leave the backup some


def backup(file: str, log: str):
    from django.core.management import call_command

    started = time.time()
    call_command("backup", file)
    Path(log).write_text(f"{started} {time.time()}\n")


def checksum():
    from serviceeval.accounts.models import User
    from serviceeval.reviews.models import Score

    print(
        score_checksum(
            Score.objects.values_list("pk", "sheet_id", "criterion", "score"),
            User.objects.values_list("pk", "last_login"),
        )
    )


if __name__ == "__main__":
    django.setup()
    command, *args = sys.argv[1:]
    {"seed": seed, "write": write, "backup": backup, "checksum": checksum}[command](*args)
