from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyKind(models.TextChoices):
    FIRST_LEVEL = "first-level", _("First-level agency")
    SUBORDINATE = "subordinate", _("Subordinate agency")
    DISTRICT_OFFICE = "district-office", _("District office")


class Category(models.TextChoices):
    OVERALL = "overall", _("Overall service")
    PROJECT = "project", _("Project planning")


class PersonRole(models.TextChoices):
    """Who receives rewards (HSC-11, CITY-12/13)."""

    HEAD = "head", _("Head")
    SECTION_CHIEF = "section_chief", _("Section chief")
    OFFICER = "officer", _("Officer in charge")
    EVALUATION_OFFICER = "evaluation_officer", _("Evaluation officer")
    TESTED_STAFF = "tested_staff", _("Tested staff")


# The roster roles that the agency import fills (tested staff come from field tests).
ROSTER_ROLES = (
    PersonRole.HEAD,
    PersonRole.SECTION_CHIEF,
    PersonRole.OFFICER,
    PersonRole.EVALUATION_OFFICER,
)
