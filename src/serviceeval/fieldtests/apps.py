from django.apps import AppConfig


class FieldtestsConfig(AppConfig):
    name = "serviceeval.fieldtests"
    label = "fieldtests"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.accounts.rules import is_office, is_tester
        from serviceeval.core.nav import DashboardPanel, NavItem, register_nav, register_panel

        from . import panels

        register_nav(NavItem(_("Field tests"), "fieldtests:index", is_office | is_tester, order=60))
        register_panel(
            DashboardPanel(
                "fieldtests/panels/tester.html", is_tester, panels.tester, order=10, scope="user"
            )
        )
        register_panel(
            DashboardPanel(
                "fieldtests/panels/office.html",
                is_office,
                panels.office,
                order=55,
                scope="role",
            )
        )
