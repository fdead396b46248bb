import sys

from django.core.management.base import BaseCommand

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
        state = "已載入 loaded" if created else "已存在，未變更 unchanged"
        self.stdout.write(f"{state}: {summary(program.spec)}")
