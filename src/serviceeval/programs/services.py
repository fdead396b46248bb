from __future__ import annotations

import hashlib
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from serviceeval.core.audit import audit_record
from serviceeval.core.signals import program_loaded
from serviceeval.engine.program import Problem, ProgramInvalid, ProgramSpec, parse_program

from .models import Program, RubricNode


class ProgramRefused(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def program_parse_text(text: str) -> ProgramSpec:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ProgramInvalid([Problem(_("(file)"), _yaml_problem(exc))]) from exc
    return parse_program(data)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where the YAML breaks; PyYAML's own words (English) follow as the detail."""
    mark = getattr(exc, "problem_mark", None)
    detail = getattr(exc, "problem", None) or str(exc)
    if mark is not None:
        return _("YAML syntax error at line %(line)s, column %(column)s (%(detail)s).") % {
            "line": mark.line + 1,
            "column": mark.column + 1,
            "detail": detail,
        }
    return _("YAML syntax error (%(detail)s).") % {"detail": detail}


def read_program_text(path: str | Path) -> str:
    """The text of a program file, or ProgramInvalid naming what is wrong with it."""
    path = Path(path)
    if not path.is_file():
        raise ProgramInvalid([Problem(_("(file)"), _("File %(path)s not found.") % {"path": path})])
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ProgramInvalid(
            [
                Problem(
                    _("(file)"),
                    _("Line %(line)s is not UTF-8 text; save the file as UTF-8.") % {"line": line},
                )
            ]
        ) from exc


def program_check_file(path: str | Path) -> ProgramSpec:
    return program_parse_text(read_program_text(path))


@transaction.atomic
def program_load(
    *, text: str, builtin: bool = False, using: str = "default"
) -> tuple[Program, bool]:
    """Store a new program or a new version. Returns (program, created).

    The same code and version with identical content is a no-op; with different
    content it is refused: a revision must be a new version (CITY-16)."""
    spec = program_parse_text(text)
    checksum = hashlib.sha256(text.encode()).hexdigest()
    existing = Program.objects.using(using).filter(code=spec.code, version=spec.version).first()
    if existing:
        if existing.checksum == checksum:
            return existing, False
        raise ProgramRefused(
            [
                Problem(
                    "version",
                    _(
                        "%(code)s v%(version)s already exists with different content; raise the version number."
                    )
                    % {"code": spec.code, "version": spec.version},
                )
            ]
        )
    program = Program.objects.using(using).create(
        code=spec.code,
        version=spec.version,
        name=spec.name,
        city=spec.city,
        provisional=spec.provisional,
        builtin=builtin,
        source=text,
        checksum=checksum,
    )
    _store_rubric(program, spec, using)
    program_loaded.send(sender=Program, spec=spec, using=using)
    return program, True


def _store_rubric(program: Program, spec: ProgramSpec, using: str) -> None:
    position = 0
    for category in spec.categories:
        stack = [(node, None, 1) for node in reversed(category.rubric)]
        while stack:
            node, parent, depth = stack.pop()
            position += 1
            row = RubricNode.objects.using(using).create(
                program=program,
                category=category.code,
                code=node.code,
                name=node.name,
                max_points=node.max_points,
                leaf=node.leaf,
                text=node.text,
                field_test=node.field_test,
                parent=parent,
                depth=depth,
                position=position,
            )
            stack.extend((child, row, depth + 1) for child in reversed(node.children))


def programs_load_builtin(using: str = "default") -> list[Program]:
    loaded = []
    for path in sorted(Path(settings.PROGRAMS_DIR).glob("*.yaml")):
        program, _created = program_load(
            text=path.read_text(encoding="utf-8"), builtin=True, using=using
        )
        loaded.append(program)
    return loaded


def program_latest(code: str) -> Program | None:
    return Program.objects.filter(code=code).order_by("-version").first()


def program_confirm(*, program, actor) -> bool:
    """The office confirms a provisional program's defaults (SPEC §3.2); False when
    it was confirmed already."""
    if program.confirmed_at is not None:
        return False
    program.confirmed_at = timezone.now()
    program.confirmed_by = actor
    program.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(actor=actor, action="program_confirmed", obj=program)
    return True
