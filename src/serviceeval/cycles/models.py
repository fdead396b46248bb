from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceeval.agencies.enums import Category
from serviceeval.core.roc import format_roc_year


class Cycle(models.Model):
    """One year's evaluation (年度), pinned to one program version (CITY-16)."""

    year = models.PositiveIntegerField(_("ROC year"), unique=True)
    program = models.ForeignKey(
        "programs.Program", verbose_name=_("program"), on_delete=models.PROTECT
    )
    name = models.CharField(_("name"), max_length=200)
    scoring_started_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("cycle")

    def __str__(self):
        return f"{format_roc_year(self.year)} {self.program.name}"

    @property
    def gregorian_year(self) -> int:
        return self.year + 1911

    @property
    def people_follow_imports(self) -> bool:
        """Whether the cycle's copy of the reward roster (agencies.Person with this
        cycle) still follows re-imported people: until scoring starts (the moment
        CITY-16 pins the cycle) and never while the results are published (frozen)."""
        return self.scoring_started_at is None and self.results_published_at is None


class Milestone(models.Model):
    """A moment of the cycle. `at` is the effective moment every page, lock and API
    uses; for a deadline on a non-working day it is the end of the next working day
    (SPEC §3.3), `nominal_at` the program's date and `moved_note` why it moved."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="milestones")
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=120)
    at = models.DateTimeField()
    rule = models.CharField(max_length=20, blank=True)
    nominal_at = models.DateTimeField(null=True, blank=True)
    deadline = models.BooleanField(default=False)
    moved_note = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="milestone_code")]

    def __str__(self):
        return self.name


class ParticipationReason(models.TextChoices):
    ALL = "all", _("Every agency of the program's categories")
    ROTATION = "rotation", _("Group rotation (HSC-4)")
    CARRY_OVER = "carry_over", _("Carried over for extra evaluation (HSC-11)")
    ADDED = "added", _("Added by the office")


class Participant(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="participants")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="participations"
    )
    category = models.CharField(max_length=10, choices=Category.choices)
    group = models.ForeignKey("agencies.Group", null=True, blank=True, on_delete=models.PROTECT)
    reason = models.CharField(max_length=20, choices=ParticipationReason.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["group__code", "agency__code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "agency"], name="participant_once")]

    def __str__(self):
        return f"{self.cycle.year} {self.agency}"


class CarryOver(models.Model):
    """HSC-11: an agency whose 丙 stands after re-evaluation is evaluated next year
    whatever the rotation says."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="carry_overs"
    )
    from_cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="carry_overs")
    reason = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "from_cycle"], name="carry_over_once")
        ]

    def __str__(self):
        return f"{self.agency} ← {self.from_cycle.year}"


class CalendarDay(models.Model):
    """The office's working-day calendar (行政機關辦公日曆): a public holiday or other
    day off (`day_off`), or a make-up working day (`day_off=False` on a weekend). A
    day not listed works Monday to Friday."""

    date = models.DateField(unique=True)
    day_off = models.BooleanField()
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self):
        return f"{self.date} {'off' if self.day_off else 'working'} {self.note}"
