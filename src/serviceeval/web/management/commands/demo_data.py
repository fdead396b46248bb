from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from serviceeval.demo import DEMO_PASSWORD, DEMO_USERS, build


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        build()
        self.stdout.write("")
        self.stdout.write(_("Demo accounts (password: %(password)s)") % {"password": DEMO_PASSWORD})
        width = max(len(username) for username, *_rest in DEMO_USERS)
        # The role as a person reads it (its label), not its code.
        roles = {role: str(role.label) for _username, role, *_rest in DEMO_USERS}
        role_width = max(len(label) for label in roles.values())
        for username, role, _agency, display in DEMO_USERS:
            self.stdout.write(f"  {username:<{width}}  {roles[role]:<{role_width}}  {display}")
        self.stdout.write("")
