from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "serviceeval.web"
    label = "web"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.core.access import AGENCY_ROLES, ALL_ROLES, COORDINATOR
        from serviceeval.core.nav import NavItem, register_nav

        register_nav(NavItem(_("Dashboard"), "dashboard", ALL_ROLES, order=0))
        register_nav(NavItem(_("Cycles"), "cycle_list", (COORDINATOR,), order=10))
        register_nav(NavItem(_("Agencies"), "agency_list", (COORDINATOR, *AGENCY_ROLES), order=20))
        register_nav(NavItem(_("Programs"), "program_list", (COORDINATOR,), order=30))

        from . import panels

        panels.register()
