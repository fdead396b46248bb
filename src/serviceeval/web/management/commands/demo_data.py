from django.core.management.base import BaseCommand

from serviceeval.demo import DEMO_PASSWORD, DEMO_USERS, build


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        build()
        self.stdout.write("")
        self.stdout.write(f"示範帳號 Demo logins (password / 密碼: {DEMO_PASSWORD})")
        width = max(len(username) for username, *_ in DEMO_USERS)
        for username, role, _agency, display in DEMO_USERS:
            self.stdout.write(f"  {username:<{width}}  {role:<15} {display}")
        self.stdout.write("")
