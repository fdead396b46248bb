from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit events are append-only")

    def delete(self):
        raise PermissionError("audit events are append-only")


class AuditEvent(models.Model):
    """Append-only record of every change to scores, grades, submissions and rewards.

    One table for the whole system (decided once, see docs/ARCHITECTURE.md):
    `before`/`after` hold the changed fields only, `reason` what the user gave.

    The database refuses UPDATE, DELETE and TRUNCATE on the table too (triggers of
    migration 0004; the one way round them is `core.audit.audit_maintenance`, for
    `restore`). On SQLite a migration that rebuilds this table drops its triggers:
    such a migration must create them again (the F10 tests notice).
    """

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No database constraint and no action on delete: deleting a user must not touch
    # the rows (the database refuses UPDATE on them, migration 0004); who it was stays
    # in actor_username / actor_name, written with the row (docs/SECURITY.md).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True, default="")
    actor_name = models.CharField(max_length=300, blank=True, default="")
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    agency_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("audit event")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit events are append-only")
        self.fill_actor_snapshot()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit events are append-only")

    @property
    def actor_label(self) -> str:
        """Who did it, as they were named then (still there when the account is gone)."""
        return self.actor_name or self.actor_username

    def fill_actor_snapshot(self, user=None) -> None:
        """Copy the actor's username and display name onto the row (before INSERT)."""
        if self.actor_id is None or self.actor_username:
            return
        if user is None:
            try:
                user = self.actor
            except ObjectDoesNotExist:
                return
        self.actor_username = user.get_username()
        self.actor_name = str(user)
