"""Background delivery of notices by e-mail (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from .services import deliver_pending


@task()
def deliver() -> list[int]:
    sent, failed = deliver_pending()
    return [sent, failed]
