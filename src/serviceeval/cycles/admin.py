from django.contrib import admin

from serviceeval.core.adminaudit import AuditedAdminMixin

from .models import CarryOver, Cycle, Milestone, Participant


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Cycle)
class CycleAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("year", "name", "program", "scoring_started_at", "results_published_at")
    inlines = [MilestoneInline]
    # The version is changed by `cycle_change_program`, refused once scoring has
    # started (CITY-16); the two moments are set by scoring and publication.
    readonly_fields = ("program", "scoring_started_at", "results_published_at")

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()


@admin.register(Participant)
class ParticipantAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("cycle", "agency", "category", "group", "reason")
    list_filter = ("cycle", "category", "group", "reason")


@admin.register(CarryOver)
class CarryOverAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("agency", "from_cycle", "reason", "created")
