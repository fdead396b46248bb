from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .enums import EmailStatus, Kind


class Notification(models.Model):
    """One notice to one person: shown in the app and e-mailed (the outbox).

    `key` says which event it reports (e.g. the 7-day reminder of one deadline for
    one agency); a person never gets the same key twice, so reminders are
    idempotent however often `send_reminders` runs."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    key = models.CharField(max_length=200)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_status = models.CharField(
        _("e-mail status"), max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING
    )
    email_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_user")
        ]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_unread"),
            models.Index(fields=["email_status"], name="notification_outbox"),
            models.Index(fields=["-created_at"], name="notification_recent"),
        ]

    def __str__(self):
        return self.subject


class OptOut(models.Model):
    """A person does not want the optional reminders of one kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_opt_outs"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="opt_out_once")]

    def __str__(self):
        return f"{self.user} − {self.kind}"
