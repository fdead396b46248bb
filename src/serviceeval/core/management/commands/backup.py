from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from serviceeval.core.backup import backup_write


class Command(BaseCommand):
    help = "Write a gzip JSON backup of all serviceeval data, read in one snapshot and keyed (BACKUP_HMAC_KEY)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="e.g. var/backup-2026-11-22.json.gz")

    def handle(self, *args, file, **options):
        meta = backup_write(file)
        self.stdout.write(
            _("Backup written: %(file)s (%(tables)d tables, fingerprint %(fingerprint)s)")
            % {"file": file, "tables": len(meta["models"]), "fingerprint": meta["fingerprint"]}
        )
