from __future__ import annotations

import hashlib
from decimal import Decimal
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
    return program_text_from_bytes(path.read_bytes())


def program_text_from_bytes(data: bytes) -> str:
    """The text of a program file read from disk or uploaded (issue 11 item 3), or
    ProgramInvalid naming the first line that is not UTF-8."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ProgramInvalid(
            [
                Problem(
                    _("(file)"),
                    _("Line %(line)s is not UTF-8 text; save the file as UTF-8.") % {"line": line},
                )
            ]
        ) from exc
    # Universal newlines, as Path.read_text gives: the checksum ignores CRLF.
    return text.replace("\r\n", "\n").replace("\r", "\n")


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


class ProgramExists(Exception):
    """The uploaded file is a code and version already stored (same content)."""

    def __init__(self, program: Program):
        self.program = program
        super().__init__(str(program))


@transaction.atomic
def program_upload(*, data: bytes, actor) -> Program:
    """The office uploads a program file (issue 11 item 3): the checks of
    `program_check` and the store of `program_load`, audited. Raises ProgramInvalid
    or ProgramRefused (nothing stored), or ProgramExists when this very file is
    stored already (nothing stored either: a revision is a new version, CITY-16)."""
    text = program_text_from_bytes(data)
    _refuse_hostile_yaml(text)
    program, created = program_load(text=text)
    if not created:
        raise ProgramExists(program)
    audit_record(
        actor=actor,
        action="program_loaded",
        obj=program,
        after={"code": program.code, "version": program.version, "checksum": program.checksum},
    )
    return program


MAX_YAML_DEPTH = 40


def _refuse_hostile_yaml(text: str) -> None:
    """An uploaded file is read event by event first: aliases (which can make a small
    file expand without bound) and nesting deeper than any program are refused
    before the file is built into objects."""
    depth = 0
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.AliasEvent):
                raise ProgramInvalid(
                    [
                        Problem(
                            _("(file)"),
                            _("The file uses YAML aliases: write every value out in full."),
                        )
                    ]
                )
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise ProgramInvalid(
                        [
                            Problem(
                                _("(file)"), _("The file is nested deeper than a program can be.")
                            )
                        ]
                    )
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError as exc:
        raise ProgramInvalid([Problem(_("(file)"), _yaml_problem(exc))]) from exc


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


def _yaml_number(value: Decimal):
    return int(value) if value == value.to_integral_value() else float(value)


def program_revise_points(*, program: Program, points: dict, actor) -> Program:
    """CITY-16 with issue 11 item 3: confirming a provisional program with edited
    points stores a NEW version (the next version number of its code) carrying those
    points, confirmed; `program` itself never changes. `points` maps (category, node
    code) to Decimal. The new file is the old one with the points replaced and
    `provisional: false` (comments of the old file are not kept); it passes the same
    checks as any program file (ProgramInvalid names the nodes whose sums no longer
    add up, and nothing is stored)."""
    if program.confirmed_at is not None:
        raise ProgramRefused([Problem("provisional", _("The program is confirmed already."))])
    data = yaml.safe_load(program.source)
    changed = {}
    for category in data.get("categories") or []:
        stack = list(category.get("rubric") or [])
        while stack:
            node = stack.pop()
            key = (category.get("code"), str(node.get("code")))
            if key in points and Decimal(str(node.get("max_points"))) != points[key]:
                changed[f"{key[0]}/{key[1]}"] = [str(node.get("max_points")), str(points[key])]
                node["max_points"] = _yaml_number(points[key])
            stack.extend(node.get("children") or [])
    latest = Program.objects.filter(code=program.code).order_by("-version").first()
    data["version"] = latest.version + 1
    data["provisional"] = False
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    revised, _created = program_load(text=text)
    revised.confirmed_at = timezone.now()
    revised.confirmed_by = actor
    revised.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        action="program_confirmed_revised",
        obj=revised,
        before={"program": program.pk, "version": program.version},
        after={"version": revised.version, "points": changed},
    )
    return revised
