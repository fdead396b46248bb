import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from serviceeval.engine.program import ProgramInvalid, summary
from serviceeval.programs.services import ProgramRefused, program_load, read_program_text


class Command(BaseCommand):
    help = "Add a new program, or a new version of one, from a YAML file (refused when invalid)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            program, created = program_load(text=read_program_text(file))
        except (ProgramInvalid, ProgramRefused) as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            sys.exit(1)
        text = _("Loaded: %(summary)s") if created else _("Already present, unchanged: %(summary)s")
        self.stdout.write(text % {"summary": summary(program.spec)})
