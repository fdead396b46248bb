import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from serviceeval.engine.program import ProgramInvalid, summary
from serviceeval.programs.services import ProgramRefused, program_load


class Command(BaseCommand):
    help = "Add a new program, or a new version of one, from a YAML file (refused when invalid)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        path = Path(file)
        if not path.exists():
            self.stderr.write(f"(file): 找不到檔案 {path} (file not found)")
            sys.exit(1)
        try:
            program, created = program_load(text=path.read_text(encoding="utf-8"))
        except (ProgramInvalid, ProgramRefused) as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            sys.exit(1)
        state = "已載入 loaded" if created else "已存在，未變更 unchanged"
        self.stdout.write(f"{state}: {summary(program.spec)}")
