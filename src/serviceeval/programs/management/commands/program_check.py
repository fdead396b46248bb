import sys

from django.core.management.base import BaseCommand

from serviceeval.engine.program import ProgramInvalid, summary
from serviceeval.programs.services import program_check_file


class Command(BaseCommand):
    help = (
        "Validate a program YAML file: exit 0 with a summary, or exit 1 with one line per problem."
    )
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            spec = program_check_file(file)
        except ProgramInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            sys.exit(1)
        self.stdout.write(summary(spec))
