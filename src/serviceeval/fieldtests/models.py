"""Telephone courtesy tests (CITY-9) and mystery-shopper visits (CITY-8).

Scores are not stored for calls: a call keeps its raw part scores and, when it was
recorded item by item, which checklist items were met; the engine computes the
call score from them (SPEC §3.2). Imported calls carry part scores only
(`items` is empty: unknown), and do not count in the fault statistics."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceeval.core.uploads import random_upload_name


class PhoneTest(models.Model):
    cycle = models.ForeignKey("cycles.Cycle", on_delete=models.CASCADE, related_name="phone_tests")
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="phone_tests",
    )
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tester"),
        on_delete=models.PROTECT,
        related_name="phone_tests",
    )
    unit = models.CharField(_("unit"), max_length=120, blank=True)
    called_at = models.DateTimeField(_("date and time of the call"))
    number = models.CharField(_("number dialled"), max_length=40, blank=True)
    # {part code: "raw points"} for the parts tested; an untested part is absent.
    part_scores = models.JSONField(default=dict)
    # {item code: true/false}; empty = recorded without item detail (imports).
    items = models.JSONField(default=dict, blank=True)
    rings = models.PositiveSmallIntegerField(_("rings before answer"), null=True, blank=True)
    answer_seconds = models.PositiveSmallIntegerField(_("seconds to answer"), null=True, blank=True)
    tested_staff = models.ForeignKey(
        "agencies.Person",
        verbose_name=_("tested staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_tests",
    )
    notes = models.TextField(_("notes"), blank=True)
    imported = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-called_at", "-id"]
        indexes = [
            models.Index(fields=["cycle", "agency"]),
            # The latest calls of a cycle, and a tester's of this month (SPEC §5 pages).
            models.Index(fields=["cycle", "called_at", "id"]),
            models.Index(fields=["tester", "created"]),
        ]

    def __str__(self):
        return f"{self.agency} {self.called_at:%Y-%m-%d %H:%M}"


class MysteryVisit(models.Model):
    cycle = models.ForeignKey(
        "cycles.Cycle", on_delete=models.CASCADE, related_name="mystery_visits"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="mystery_visits",
    )
    tester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tester"),
        on_delete=models.PROTECT,
        related_name="mystery_visits",
    )
    visited_at = models.DateTimeField(_("date and time of the visit"))
    counter = models.CharField(_("counter or unit visited"), max_length=120, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    items = models.JSONField(default=dict, blank=True)
    scenario = models.TextField(_("scenario questions and answers"), blank=True)
    tested_staff = models.ForeignKey(
        "agencies.Person",
        verbose_name=_("tested staff"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mystery_visits",
    )
    notes = models.TextField(_("notes"), blank=True)
    imported = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["cycle", "agency"]),
            models.Index(fields=["cycle", "visited_at", "id"]),
            models.Index(fields=["tester", "created"]),
        ]

    def __str__(self):
        return f"{self.agency} {self.visited_at:%Y-%m-%d}"


class VisitPhoto(models.Model):
    """Evidence of a visit; stored under a random name, served after a permission check."""

    visit = models.ForeignKey(MysteryVisit, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to=random_upload_name)
    original_name = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.original_name
