from django.contrib import admin

from serviceeval.core.adminaudit import AuditedAdminMixin

from .models import Agency, CategoryMove, Group, Person


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name")


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0


@admin.register(Agency)
class AgencyAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "city", "kind", "category", "group", "parent", "active")
    list_filter = ("city", "kind", "category", "group")
    search_fields = ("code", "name")
    inlines = [PersonInline]

    def get_readonly_fields(self, request, obj=None):
        # A move between categories is made on the agency page, which records it (CITY-1).
        return ("category",) if obj is not None else ()


@admin.register(Person)
class PersonAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The people who receive rewards: the agency's standing list (no cycle) and
    each cycle's copy, which the roster reads (CITY-12/13, HSC-12)."""

    list_display = ("agency", "cycle", "role", "name")
    list_filter = ("cycle", "role")
    search_fields = ("name", "agency__code", "agency__name")
    list_select_related = ("agency", "cycle")


@admin.register(CategoryMove)
class CategoryMoveAdmin(admin.ModelAdmin):
    list_display = ("agency", "from_category", "to_category", "at", "by")
    readonly_fields = ("agency", "from_category", "to_category", "at", "by", "reason")
