from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "serviceeval.reviews"
    label = "reviews"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.core.access import AGENCY_ROLES, COORDINATOR, REVIEWER
        from serviceeval.core.nav import NavItem, register_nav

        register_nav(NavItem(_("Panel review"), "reviews:home", (COORDINATOR, REVIEWER), order=40))
        register_nav(
            NavItem(
                _("Improvement items"),
                "reviews:improvements",
                (COORDINATOR, *AGENCY_ROLES),
                order=45,
            )
        )
        from . import panels

        panels.register()
