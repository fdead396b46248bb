from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from serviceeval.core.adminaudit import AuditedAdminMixin
from serviceeval.core.audit import audit_record
from serviceeval.core.roc import format_roc_date

from .models import User
from .services import account_locked_until, account_unlock, twofactor_reset

admin.site.site_header = _("serviceeval administration")
admin.site.site_title = _("serviceeval administration")
admin.site.index_title = _("Reference data: agencies, people, cycles and accounts")

SERVICEEVAL_FIELDS = (_("Evaluation system"), {"fields": ("role", "agency", "sign_in_lock")})


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """The office makes the accounts of agency staff, panel members and testers.

    Only a superuser sees and grants superuser status and raw permissions; the
    office's own rights come from the role (`permissions.py`), and a superuser's
    account is out of the office's reach."""

    list_display = ("username", "last_name", "first_name", "role", "agency", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (SERVICEEVAL_FIELDS,)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Evaluation system"), {"fields": ("role", "agency")}),
    )
    office_fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("first_name", "last_name", "email")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
        SERVICEEVAL_FIELDS,
    )

    def get_fieldsets(self, request, obj=None):
        if obj is not None and not request.user.is_superuser:
            return self.office_fieldsets
        return super().get_fieldsets(request, obj)

    actions = ["unlock_accounts", "reset_two_factor"]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ("sign_in_lock",)
        return ("last_login", "date_joined", "sign_in_lock")

    @admin.display(description=_("Sign-in locked until"))
    def sign_in_lock(self, obj):
        until = account_locked_until(obj) if obj is not None and obj.pk else None
        return format_roc_date(until, with_time=True) if until else "—"

    @admin.action(description=_("Unlock sign-in of the selected accounts"))
    def unlock_accounts(self, request, queryset):
        done = sum(account_unlock(user=user, actor=request.user) for user in queryset)
        self.message_user(request, _("%(n)d account(s) unlocked.") % {"n": done})

    @admin.action(description=_("Reset two-factor sign-in of the selected accounts"))
    def reset_two_factor(self, request, queryset):
        users = list(queryset)
        for user in users:
            twofactor_reset(user=user, actor=request.user)
        self.message_user(
            request, _("%(n)d account(s) must set up two-factor again.") % {"n": len(users)}
        )

    def save_model(self, request, obj, form, change):
        before_role = form.initial.get("role") if change else None
        super().save_model(request, obj, form, change)
        if change and "role" in form.changed_data:
            audit_record(
                actor=request.user,
                action="role_changed",
                obj=obj,
                before={"role": before_role},
                after={"role": obj.role},
            )

    def user_change_password(self, request, id, form_url=""):
        """The office sets another user's password: audited (F5)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            audit_record(actor=request.user, action="password_set_by_office", obj=user)
        return response

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request):
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)
