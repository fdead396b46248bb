"""Reward roster (敘獎名冊) and the national award pipeline (CITY-10/11/14/15, HSC-11..14)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RewardKind(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    MINOR_MERIT = "minor_merit", _("Minor merit")
    MAJOR_MERIT = "major_merit", _("Major merit")
    REPRIMAND = "reprimand", _("Reprimand")


class RewardEntry(models.Model):
    """One line of the roster: computed by a program rule, or entered by the office
    (`manual`, HSC-14 / CITY-14). Recompute replaces computed lines, keeps manual ones."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="rewards")
    person = models.CharField(_("person"), max_length=80)
    role = models.CharField(_("role"), max_length=120, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rewards",
    )
    kind = models.CharField(_("reward"), max_length=20, choices=RewardKind.choices)
    count = models.PositiveSmallIntegerField(_("count"), default=1)
    rule = models.CharField(_("rule"), max_length=20)
    reason = models.TextField(_("reason"), blank=True)
    facts = models.JSONField(default=dict, blank=True)
    manual = models.BooleanField(default=False)
    public_commendation = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["manual", "position", "id"]
        indexes = [
            models.Index(fields=["cycle", "manual"]),
            # A page of the roster in its order without sorting 5,000 entries (SPEC §5).
            models.Index(fields=["cycle", "manual", "position", "id"]),
        ]

    def __str__(self):
        return f"{self.person} {self.get_kind_display()} {self.count}"


class PublicCommendation(models.Model):
    """市政會議公開表揚 (CITY-12, CITY-13): agencies, listed apart from the roster."""

    cycle = models.ForeignKey(
        "cycles.Cycle", on_delete=models.CASCADE, related_name="public_commendations"
    )
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    rule = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.agency} {self.rule}"


class RosterState(models.Model):
    """When the roster was last computed, and whether it is frozen with the results."""

    cycle = models.OneToOneField(
        "cycles.Cycle", on_delete=models.CASCADE, related_name="roster_state"
    )
    computed_at = models.DateTimeField(null=True, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.cycle_id}"


class NominationSource(models.TextChoices):
    FIRST_LEVEL = "first_level", _("Proposed by its first-level agency")
    OFFICE = "office", _("Preselected by the office")
    # CITY-10: the first-level agencies themselves enter the city's written review and
    # on-site evaluation beside the preselected agencies.
    SELF = "self", _("First-level agency, in its own right")


class AwardStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    RECOMMENDED = "recommended", _("Recommended by the city")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")
    PASSED_INITIAL = "passed_initial", _("Passed the initial review")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    WON = "won", _("Won")
    NOT_WON = "not_won", _("Not won")


class Nomination(models.Model):
    """CITY-10: an agency on its way to the national award."""

    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="nominations")
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="nominations",
    )
    source = models.CharField(_("source"), max_length=20, choices=NominationSource.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AwardStatus.choices, default=AwardStatus.PROPOSED
    )
    # The highest national-award status reached (recommended … won), for HSC-13/CITY-15.
    highest = models.CharField(max_length=20, blank=True)
    consent_reuse = models.BooleanField(_("consents to reuse of materials"), default=False)
    consent_on = models.DateField(null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["agency__code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "agency"], name="nomination_once")]

    def __str__(self):
        return f"{self.cycle_id} {self.agency}"


class NominationStep(models.Model):
    """One status change with its date (recommended → passed initial → shortlisted → won)."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="steps")
    status = models.CharField(max_length=20, choices=AwardStatus.choices)
    on = models.DateField(_("date"))
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.nomination} {self.status}"


class TrainingAttendance(models.Model):
    """CITY-11: coaching/training sessions a recommended agency attended."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="attendance")
    session = models.CharField(_("session"), max_length=200)
    on = models.DateField(_("date"))
    attendee = models.CharField(_("attendee"), max_length=80, blank=True)
    attended = models.BooleanField(_("attended"), default=True)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.nomination} {self.session}"


class MaterialReuse(models.Model):
    """CITY-11: where the office reused a recommended agency's award material (for
    training or benchmark learning, as the seed allows): what, and when."""

    nomination = models.ForeignKey(Nomination, on_delete=models.CASCADE, related_name="reuses")
    what = models.CharField(_("where it was reused"), max_length=200)
    on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]

    def __str__(self):
        return f"{self.nomination.agency} {self.on} {self.what}"
