from django.contrib import admin

from .models import Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "version",
        "name",
        "provisional",
        "builtin",
        "loaded_at",
        "confirmed_at",
    )
    readonly_fields = (
        "code",
        "version",
        "name",
        "city",
        "source",
        "checksum",
        "loaded_at",
        "builtin",
    )
