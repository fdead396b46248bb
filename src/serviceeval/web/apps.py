from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "serviceeval.web"
    label = "web"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.accounts.rules import (
            is_agency_staff,
            is_office,
            is_signed_in,
            is_superuser,
        )
        from serviceeval.core.nav import NavItem, register_nav

        register_nav(NavItem(_("Dashboard"), "dashboard", is_signed_in, order=0))
        register_nav(NavItem(_("Cycles"), "cycle_list", is_office, order=10))
        register_nav(NavItem(_("Agencies"), "agency_list", is_office | is_agency_staff, order=20))
        register_nav(NavItem(_("Programs"), "program_list", is_office | is_superuser, order=30))

        from . import panels

        panels.register()
