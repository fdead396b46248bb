from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.core.backup import RestoreError, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database content with a backup; refused unless the file is intact and "
        "signed with BACKUP_HMAC_KEY, verified by its fingerprint (all-or-nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--yes", action="store_true", help="confirm that current data is replaced"
        )

    def handle(self, *args, file, yes, **options):
        if not yes:
            raise CommandError(_("A restore replaces all current data: add --yes to confirm."))
        try:
            meta = backup_restore(file)
        except RestoreError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Restored: fingerprint %(fingerprint)s verified")
            % {"fingerprint": meta["fingerprint"]}
        )
