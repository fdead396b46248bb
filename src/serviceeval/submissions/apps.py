from django.apps import AppConfig


class SubmissionsConfig(AppConfig):
    name = "serviceeval.submissions"
    label = "submissions"

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from serviceeval.accounts.rules import is_agency_head, is_agency_staff, is_office
        from serviceeval.core.nav import DashboardPanel, NavItem, register_nav, register_panel
        from serviceeval.notifications.reminders import register_reminders

        from . import panels
        from .reminders import submission_reminders

        register_reminders(submission_reminders)

        register_nav(NavItem(_("Submissions"), "submissions:index", is_agency_staff, order=40))
        register_nav(NavItem(_("Submission status"), "submissions:status", is_office, order=40))
        register_panel(
            DashboardPanel(
                "submissions/panels/agency.html",
                is_agency_staff,
                panels.agency,
                order=20,
                scope="agency",
            )
        )
        register_panel(
            DashboardPanel(
                "submissions/panels/head.html",
                is_agency_head,
                panels.head,
                order=5,
                scope="agency",
            )
        )
        register_panel(
            DashboardPanel(
                "submissions/panels/office.html",
                is_office,
                panels.office,
                order=20,
                scope="role",
            )
        )
