from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from .enums import Role
from .rules import has_role


class ServiceevalUserManager(UserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # A superuser runs the program office; the default role would need an agency.
        extra_fields.setdefault("role", Role.COORDINATOR)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person who signs in. Agency roles belong to one agency.

    `is_staff` (may open the Django admin) follows the role: the program office
    and superusers only; what the office may do there is in `permissions.py`."""

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.AGENCY_OFFICER
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )

    objects = ServiceevalUserManager()

    class Meta:
        verbose_name = _("user")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role__in=["agency_officer", "agency_head"])
                | models.Q(agency__isnull=False),
                name="agency_role_has_agency",
                violation_error_code="agency_required",
                violation_error_message=_(
                    "Agency officers and agency heads must belong to an agency."
                ),
            )
        ]

    def save(self, *args, **kwargs):
        staff = self.is_superuser or has_role(self, Role.COORDINATOR)
        if staff != self.is_staff:
            self.is_staff = staff
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff"}
        super().save(*args, **kwargs)

    def __str__(self):
        return self.get_full_name() or self.username


class PasswordHistory(models.Model):
    """Hashes of earlier passwords, so the last three cannot be reused."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=256)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d}"


class ApiToken(models.Model):
    """A bearer token for other city systems calling the REST API as a user.

    Only a SHA-256 hash is stored; the token is shown once when created."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    key_hash = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class LoginThrottle(models.Model):
    """A lock reached by failed attempts, shared by every process through the database.

    Keys: `user:<username>` (the sign-in lock; unknown usernames get one too, so the
    answer never tells whether an account exists) and `otp:<user id>` (wrong
    two-factor codes). The attempts are counted in the shared cache
    (`accounts.throttle`); the lock lives here: a cache restart must not unlock."""

    key = models.CharField(max_length=200, unique=True)
    locked_until = models.DateTimeField()

    def __str__(self):
        return f"{self.key} ({self.locked_until:%Y-%m-%d %H:%M})"


class RecoveryCode(models.Model):
    """One-time two-factor recovery codes; only a SHA-256 hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self):
        return f"{self.user} {self.created:%Y-%m-%d}"
