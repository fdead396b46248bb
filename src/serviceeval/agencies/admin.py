from django.contrib import admin

from .models import Agency, CategoryMove, Group, Person


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


class PersonInline(admin.TabularInline):
    model = Person
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "category", "group", "parent", "active")
    list_filter = ("kind", "category", "group")
    search_fields = ("code", "name")
    inlines = [PersonInline]


@admin.register(CategoryMove)
class CategoryMoveAdmin(admin.ModelAdmin):
    list_display = ("agency", "from_category", "to_category", "at", "by")
    readonly_fields = ("agency", "from_category", "to_category", "at", "by", "reason")
