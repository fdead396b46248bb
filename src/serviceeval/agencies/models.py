from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import AgencyKind, Category, PersonRole


class Group(models.Model):
    """組別 (HSC-1): agencies evaluated together and ranked together."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("group")

    def __str__(self):
        return self.name


class Agency(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.OVERALL
    )
    group = models.ForeignKey(
        Group,
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    # The city whose programs the agency takes part in, matched against a program's
    # `city` (cycle_create); blank: not tied to a city, so it joins any program's cycle.
    city = models.CharField(_("city"), max_length=60, blank=True, default="", db_index=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class CategoryMove(models.Model):
    """CITY-1: the office may move an agency between categories; every move is kept."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="category_moves")
    from_category = models.CharField(max_length=10, choices=Category.choices)
    to_category = models.CharField(max_length=10, choices=Category.choices)
    at = models.DateTimeField(auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.agency}: {self.from_category} → {self.to_category}"


class Person(models.Model):
    """A reward recipient of an agency. cycle=None is the standing roster; a
    cycle gets its own copy when it is created, so later changes do not rewrite
    the people a past decision named."""

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="people")
    cycle = models.ForeignKey(
        "cycles.Cycle", null=True, blank=True, on_delete=models.CASCADE, related_name="people"
    )
    role = models.CharField(_("role"), max_length=20, choices=PersonRole.choices)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["agency__code", "role", "name"]
        verbose_name = _("person")
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "cycle", "role", "name"], name="person_unique_role"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_role_display()})"
