from django.contrib import admin

from .models import CarryOver, Cycle, Milestone, Participant


class MilestoneInline(admin.TabularInline):
    model = Milestone
    extra = 0


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("year", "name", "program", "scoring_started_at", "results_published_at")
    inlines = [MilestoneInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ("cycle", "agency", "category", "group", "reason")
    list_filter = ("cycle", "category", "group", "reason")


@admin.register(CarryOver)
class CarryOverAdmin(admin.ModelAdmin):
    list_display = ("agency", "from_cycle", "reason", "created")
