from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceeval.core.uploads import random_upload_name

from .enums import EventKind, EvidenceKind, Kind, LinkStatus, State


class Submission(models.Model):
    """An agency's implementation plan (CITY-2) or performance report (HSC-6,
    CITY-5) for one cycle. Free-text sections (plan sections, survey block,
    project blocks) live in `sections` keyed by section code; rubric entries,
    metrics and evidence are rows of their own."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    category = models.CharField(_("category"), max_length=10)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    version = models.PositiveIntegerField(default=0)
    sections = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "agency__code", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "agency", "kind"], name="submission_once")
        ]
        indexes = [
            # The office dashboard (SPEC §5 pages): counts by state of a cycle, and the
            # oldest submissions waiting for acceptance.
            models.Index(fields=["cycle", "state"]),
            models.Index(fields=["state", "submitted_at"]),
        ]
        verbose_name = _("submission")

    def __str__(self):
        return f"{self.cycle.year} {self.agency} {self.get_kind_display()}"


class ReportEntry(models.Model):
    """What the agency wrote against one leaf criterion (HSC-2, HSC-5, HSC-6)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="entries")
    criterion_code = models.CharField(max_length=40)
    narrative = models.TextField(blank=True)
    self_score = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    not_applicable = models.BooleanField(default=False)
    # CITY-3: results with little room left to grow (再成長空間有限); like "not
    # applicable" it needs the reason (`na_reason`) and the actual execution (narrative).
    little_room = models.BooleanField(default=False)
    na_reason = models.TextField(blank=True)
    planned = models.BooleanField(default=False)

    class Meta:
        ordering = ["submission", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "criterion_code"], name="report_entry_once"
            )
        ]

    def __str__(self):
        return self.criterion_code


class Evidence(models.Model):
    """A file or URL backing a claim; tied to a criterion when `criterion_code` is set."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="evidence")
    criterion_code = models.CharField(max_length=40, blank=True)
    kind = models.CharField(max_length=4, choices=EvidenceKind.choices)
    file = models.FileField(upload_to=random_upload_name, blank=True)
    name = models.CharField(_("name"), max_length=255)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    link_status = models.CharField(
        max_length=10, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED
    )
    link_checked_at = models.DateTimeField(null=True, blank=True)
    link_detail = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "criterion_code", "id"]

    def __str__(self):
        return self.name


class MetricValue(models.Model):
    """HSC-8: one of the four yearly figures with last year's."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="metrics")
    code = models.CharField(max_length=40)
    this_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    last_year = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["submission", "code"], name="metric_once")]

    def __str__(self):
        return self.code


class Reopen(models.Model):
    """The office reopens one agency's submission with a reason and a new deadline;
    it overrides the cycle's milestone for that agency and kind (the latest wins)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="+")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    deadline = models.DateTimeField()
    reason = models.TextField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "agency", "kind", "-at", "-id"]

    def __str__(self):
        return f"{self.cycle_id} {self.agency_id} {self.kind} → {self.deadline}"


class SubmissionEvent(models.Model):
    """Every transition (save, request approval, approve, head's return, submit,
    return, reopen, accept, comment),
    with who and when; `changed` lists what a save changed (optimistic concurrency)."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    version = models.PositiveIntegerField(default=0)
    changed = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["submission", "at", "id"]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"
