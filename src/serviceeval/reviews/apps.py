from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "serviceeval.reviews"
    label = "reviews"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.accounts.rules import is_agency_staff, is_office, is_reviewer
        from serviceeval.core.nav import NavItem, register_nav

        register_nav(NavItem(_("Panel review"), "reviews:home", is_office | is_reviewer, order=40))
        register_nav(
            NavItem(
                _("Improvement items"),
                "reviews:improvements",
                is_office | is_agency_staff,
                order=45,
            )
        )
        from serviceeval.notifications.reminders import register_reminders

        from . import panels
        from .reminders import improvement_reminders, scoring_reminders

        panels.register()
        register_reminders(scoring_reminders)
        register_reminders(improvement_reminders)
