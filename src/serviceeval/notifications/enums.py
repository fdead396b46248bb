from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a notice is about (issue 13 item 6)."""

    DEADLINE_COMING = "deadline_coming", _("Deadline coming")
    DEADLINE_PASSED = "deadline_passed", _("Deadline passed, submission missing")
    APPROVAL_REQUESTED = "approval_requested", _("Approval requested")
    SUBMISSION_RETURNED = "submission_returned", _("Submission returned")
    SUBMISSION_APPROVED = "submission_approved", _("Submission approved")
    SUBMISSION_ACCEPTED = "submission_accepted", _("Submission accepted")
    ASSIGNMENT = "assignment", _("Assigned to review")
    SHEET_REOPENED = "sheet_reopened", _("Score sheet reopened")
    SCORING_REMINDER = "scoring_reminder", _("Scoring reminder")
    IMPROVEMENT_CREATED = "improvement_created", _("Improvement item to answer")
    IMPROVEMENT_DUE = "improvement_due", _("Improvement item due")
    IMPROVEMENT_RETURNED = "improvement_returned", _("Improvement item returned")
    IMPROVEMENT_ANSWERED = "improvement_answered", _("Improvement item answered")
    MILESTONE_MOVED = "milestone_moved", _("Deadline moved")


# Reminders a person may turn off; everything else tells them of something done
# to their work or owed by them and is always sent.
OPTIONAL = (Kind.DEADLINE_COMING, Kind.IMPROVEMENT_DUE, Kind.SUBMISSION_ACCEPTED)


class EmailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No e-mail address")


# Default days before a milestone on which a deadline reminder goes out; a
# program may set its own (`reminder_days:` in the program YAML).
DEFAULT_REMINDER_DAYS = (14, 7, 1)
