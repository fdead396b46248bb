"""Panel, assignments, conflicts of interest, score sheets, results and
improvement items (HSC-3, HSC-9..12, SPEC §3.3)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceeval.core.uploads import random_upload_name


class PanelRole(models.TextChoices):
    CONVENER = "convener", _("Convener")
    DEPUTY_CONVENER = "deputy_convener", _("Deputy convener")
    MEMBER = "member", _("Member")
    EXPERT = "expert", _("External expert")


class Round(models.TextChoices):
    FIRST = "first", _("First round")
    RE_EVALUATION = "re-evaluation", _("Re-evaluation")


class SheetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class ConflictSource(models.TextChoices):
    DECLARED = "declared", _("Declared by the reviewer")
    AUTOMATIC = "automatic", _("Automatic (reviewer belongs to the agency or its parent)")
    OFFICE = "office", _("Recorded by the office")


class PanelMember(models.Model):
    """HSC-3: a cycle's panel member. `max_assignments` caps the reviewer's load."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="panel")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_seats"
    )
    role = models.CharField(_("panel role"), max_length=20, choices=PanelRole.choices)
    max_assignments = models.PositiveIntegerField(_("cap (agencies)"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cycle", "role", "user__username"]
        constraints = [models.UniqueConstraint(fields=["cycle", "user"], name="panel_seat_once")]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


class Conflict(models.Model):
    """A conflict of interest; it blocks assignment, sight and scoring until waived."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="conflicts")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conflicts"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=ConflictSource.choices)
    reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    waiver_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["agency__code", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "reviewer", "agency"], name="conflict_once")
        ]

    def __str__(self):
        return f"{self.reviewer} × {self.agency}"


class Assignment(models.Model):
    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.FIRST)
    automatic = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["agency__code", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "reviewer", "agency", "round"], name="assignment_once"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} → {self.agency} ({self.round})"


class Sheet(models.Model):
    """A reviewer's score sheet for one agency and round. `version` guards
    against lost updates (optimistic concurrency)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="sheets")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sheets"
    )
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.FIRST)
    status = models.CharField(max_length=10, choices=SheetStatus.choices, default="draft")
    version = models.PositiveIntegerField(default=1)
    imported = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["agency__code", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "agency", "reviewer", "round"], name="sheet_once"
            )
        ]
        indexes = [models.Index(fields=["cycle", "round", "status"])]

    def __str__(self):
        return f"{self.reviewer} × {self.agency} ({self.round})"


class Score(models.Model):
    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.CharField(max_length=40)  # RubricNode code (the contract)
    score = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    comment = models.TextField(blank=True)

    class Meta:
        # No default ordering: the 260,000-row reads must not join and sort (SPEC §5).
        constraints = [models.UniqueConstraint(fields=["sheet", "criterion"], name="score_once")]

    def __str__(self):
        return f"{self.criterion}: {self.score}"


class SiteVisit(models.Model):
    """實地評核: the on-site visit record."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="visits")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    date = models.DateField(_("date"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.agency} {self.date}"


class Exclusion(models.Model):
    """SPEC §3.3: the office leaves a reviewer's missing scores out, with a reason."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="exclusions")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    round = models.CharField(max_length=16, choices=Round.choices, default=Round.FIRST)
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "agency", "reviewer", "round"], name="exclusion_once"
            )
        ]

    def __str__(self):
        return f"{self.reviewer} × {self.agency}"


class TieBreak(models.Model):
    """SPEC §3.3: the office orders tied agencies, with a reason. `position`
    is the agency's place inside its tie (0 first)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="tie_breaks")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    reason = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cycle", "agency"], name="tie_break_once")]

    def __str__(self):
        return f"{self.agency} #{self.position}"


class Result(models.Model):
    """The published, frozen result of one participant (a snapshot: later
    changes to sheets do not alter it)."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="results")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=20, blank=True)
    category = models.CharField(max_length=10)
    status = models.CharField(max_length=12)
    total = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    grade = models.CharField(max_length=10, blank=True)
    re_total = models.DecimalField(max_digits=10, decimal_places=2, null=True)
    re_status = models.CharField(max_length=10, blank=True)
    final_grade = models.CharField(max_length=10, blank=True)
    rank = models.PositiveIntegerField(null=True)
    # {"criteria": {code: str}, "nodes": {code: str}, "re_nodes": {...}}: exact values as text
    detail = models.JSONField(default=dict)
    published_at = models.DateTimeField()

    class Meta:
        ordering = ["group", "rank", "agency__code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "agency"], name="result_once")]

    def __str__(self):
        return f"{self.agency} {self.total} {self.grade}"


class ImprovementStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    RETURNED = "returned", _("Returned for more work")
    CLOSED = "closed", _("Closed")


class Improvement(models.Model):
    """HSC-12: an improvement item (應行改進事項) with a deadline."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="improvements")
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="improvements"
    )
    criterion = models.CharField(_("criterion"), max_length=40, blank=True)
    text = models.TextField(_("improvement item"))
    deadline = models.DateField(_("deadline"))
    status = models.CharField(max_length=10, choices=ImprovementStatus.choices, default="open")
    response = models.TextField(_("what was done"), blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    office_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "id"]

    def __str__(self):
        return self.text[:40]

    def is_overdue(self, today) -> bool:
        return self.status in (ImprovementStatus.OPEN, ImprovementStatus.RETURNED) and (
            self.deadline < today
        )


class ImprovementEvidence(models.Model):
    improvement = models.ForeignKey(Improvement, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=random_upload_name)
    name = models.CharField(max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded", "id"]

    def __str__(self):
        return self.name
