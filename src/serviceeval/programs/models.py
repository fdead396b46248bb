from functools import cached_property, lru_cache

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceeval.engine.program import parse_program


@lru_cache(maxsize=32)
def _parse(source: str):
    import yaml

    return parse_program(yaml.safe_load(source))


class Program(models.Model):
    """One immutable version of a program file (CITY-16: revisions are new versions)."""

    code = models.CharField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    city = models.CharField(_("city"), max_length=60)
    provisional = models.BooleanField(_("provisional"), default=False)
    builtin = models.BooleanField(default=False)
    source = models.TextField(help_text="the YAML file as loaded")
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="program_code_version")
        ]
        verbose_name = _("evaluation program")

    def __str__(self):
        return f"{self.name} ({self.code} v{self.version})"

    @cached_property
    def spec(self):
        """The parsed program (engine.program.ProgramSpec), parsed once per process and
        source text: every page reads its cycle's program, and parsing the YAML costs
        tens of ms (SPEC §5 pages). Program rows are immutable."""
        return _parse(self.source)

    @property
    def shows_provisional_banner(self) -> bool:
        return self.provisional and self.confirmed_at is None


class RubricNode(models.Model):
    """A node of a program's rubric. Leaves are the criteria reviewers score;
    `code` (1-based position path) is the contract for imports, exports and the API."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="nodes")
    category = models.CharField(max_length=10)
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    max_points = models.DecimalField(max_digits=9, decimal_places=2)
    leaf = models.BooleanField()
    text = models.TextField(blank=True)
    field_test = models.CharField(max_length=10, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    depth = models.PositiveSmallIntegerField()
    position = models.PositiveIntegerField(help_text="pre-order position within the category")

    class Meta:
        ordering = ["program", "category", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "category", "code"], name="rubric_node_code"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"
