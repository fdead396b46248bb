from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from serviceeval.core.adminaudit import AuditedAdminMixin

from .models import User

admin.site.site_header = _("serviceeval administration")
admin.site.site_title = _("serviceeval administration")
admin.site.index_title = _("Reference data: agencies, people, cycles and accounts")

SERVICEEVAL_FIELDS = ("serviceeval", {"fields": ("role", "agency", "locked_until")})


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    """The office makes the accounts of agency staff, panel members and testers.

    Only a superuser sees and grants superuser status and raw permissions; the
    office's own rights come from the role (`permissions.py`), and a superuser's
    account is out of the office's reach."""

    list_display = ("username", "last_name", "first_name", "role", "agency", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (SERVICEEVAL_FIELDS,)
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("serviceeval", {"fields": ("role", "agency")}),)
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

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ()
        return ("last_login", "date_joined")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def get_queryset(self, request):
        users = super().get_queryset(request)
        return users if request.user.is_superuser else users.filter(is_superuser=False)
