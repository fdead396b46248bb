from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Program office")
    AGENCY_OFFICER = "agency_officer", _("Agency officer")
    AGENCY_HEAD = "agency_head", _("Agency head")
    REVIEWER = "reviewer", _("Panel member")
    TESTER = "tester", _("Field tester")
