from django.apps import AppConfig


class FieldtestsConfig(AppConfig):
    name = "serviceeval.fieldtests"
    label = "fieldtests"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.core.access import COORDINATOR, TESTER
        from serviceeval.core.nav import DashboardPanel, NavItem, register_nav, register_panel

        from . import panels

        register_nav(NavItem(_("Field tests"), "fieldtests:index", (COORDINATOR, TESTER), order=60))
        register_panel(
            DashboardPanel(
                "fieldtests/panels/tester.html", (TESTER,), panels.tester, order=10, scope="user"
            )
        )
        register_panel(
            DashboardPanel(
                "fieldtests/panels/office.html",
                (COORDINATOR,),
                panels.office,
                order=55,
                scope="role",
            )
        )
