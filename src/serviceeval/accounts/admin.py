from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "last_name", "first_name", "role", "agency", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("serviceeval", {"fields": ("role", "agency", "locked_until")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (("serviceeval", {"fields": ("role", "agency")}),)
