from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from serviceeval.accounts.models import User
from serviceeval.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a REST API bearer token for a user (printed once)."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True)
        parser.add_argument("--name", required=True, help="which system uses it")

    def handle(self, *args, user, name, **options):
        account = User.objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(_("There is no active user “%(user)s”.") % {"user": user})
        self.stdout.write(api_token_create(user=account, name=name))
