from django.core.management.base import BaseCommand

from serviceeval.core.backup import backup_write


class Command(BaseCommand):
    help = "Write a gzip JSON backup of all serviceeval data with a fingerprint."

    def add_arguments(self, parser):
        parser.add_argument("file", help="e.g. var/backup-2026-11-22.json.gz")

    def handle(self, *args, file, **options):
        meta = backup_write(file)
        self.stdout.write(
            f"已備份 backup written: {file} ({len(meta['models'])} tables, fingerprint {meta['fingerprint']})"
        )
