from django.core.management.base import BaseCommand, CommandError

from serviceeval.core.backup import RestoreError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database content with a backup; verified by its fingerprint (all-or-nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--yes", action="store_true", help="confirm that current data is replaced"
        )

    def handle(self, *args, file, yes, **options):
        if not yes:
            raise CommandError(
                "還原會取代目前所有資料，請加上 --yes 確認 (add --yes to replace all current data)"
            )
        try:
            meta = backup_restore(file)
        except RestoreError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"已還原 restored: fingerprint {meta['fingerprint']} verified")
