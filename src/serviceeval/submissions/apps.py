from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "serviceeval.submissions"
    label = "submissions"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.core.access import AGENCY_ROLES, COORDINATOR
        from serviceeval.core.nav import DashboardPanel, NavItem, register_nav, register_panel

        from . import panels

        register_nav(NavItem(_("Submissions"), "submissions:index", AGENCY_ROLES, order=40))
        register_nav(
            NavItem(_("Submission status"), "submissions:status", (COORDINATOR,), order=40)
        )
        register_panel(
            DashboardPanel(
                "submissions/panels/agency.html",
                AGENCY_ROLES,
                panels.agency,
                order=20,
                scope="agency",
            )
        )
        register_panel(
            DashboardPanel(
                "submissions/panels/office.html",
                (COORDINATOR,),
                panels.office,
                order=20,
                scope="role",
            )
        )
