from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

HISTORY_DEPTH = 3


class PasswordHistoryValidator:
    """No reuse of the last three passwords (SPEC §5 security)."""

    def validate(self, password, user=None):
        if user is None or user.pk is None:
            return
        # Django records every set password in the history (password_changed),
        # so the history's newest entries are the current and the previous ones.
        recent = [
            user.password,
            *user.password_history.values_list("password", flat=True)[:HISTORY_DEPTH],
        ]
        if any(h and check_password(password, h) for h in recent):
            raise ValidationError(
                _("This password was used recently; choose one you have not used in your last 3."),
                code="password_reused",
            )

    def password_changed(self, password, user=None):
        if user is None or user.pk is None:
            return
        from .models import PasswordHistory

        PasswordHistory.objects.create(user=user, password=user.password)
        stale = user.password_history.values_list("pk", flat=True)[HISTORY_DEPTH:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("Your password cannot be one of your last 3 passwords.")
