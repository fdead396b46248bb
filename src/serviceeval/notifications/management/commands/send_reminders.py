"""`python manage.py send_reminders`: send every reminder that is due (issue 13).

Run by cron or a systemd timer in production (docs/OPERATIONS.md); `make run`
runs it every ten minutes (``--every 600``). Idempotent: a person never gets the
same notice twice, so running it again sends nothing new."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from serviceeval.notifications.reminders import collect
from serviceeval.notifications.services import deliver_pending, notify_many


class Command(BaseCommand):
    help = "Send the deadline and improvement reminders that are due, then deliver pending e-mail."

    def add_arguments(self, parser):
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="keep running, once every SECONDS (the demo server's background loop)",
        )

    def handle(self, *args, every: int = 0, **options):
        while True:
            self._once()
            if every <= 0:
                return
            time.sleep(every)

    def _once(self):
        with translation.override(settings.LANGUAGE_CODE):
            now = timezone.now()
            notices = collect(now)
            stored = notify_many(notices, now=now, enqueue=False)
            sent, failed = deliver_pending()
        # The notices speak the site's language; this line, the one the command runs in.
        self.stdout.write(
            _(
                "send_reminders: %(due)s reminders due, %(new)s new notices, %(sent)s e-mails sent, %(failed)s failed"
            )
            % {"due": len(notices), "new": stored, "sent": sent, "failed": failed}
        )
