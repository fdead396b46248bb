from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "serviceeval.rewards"
    label = "rewards"

    def ready(self):
        from django.db.models.signals import post_save
        from django.utils.translation import gettext_lazy as _

        from serviceeval.accounts.rules import is_agency_staff, is_office
        from serviceeval.core.nav import DashboardPanel, NavItem, register_nav, register_panel
        from serviceeval.core.signals import roster_inputs_changed
        from serviceeval.cycles.models import Cycle

        from . import panels
        from .services import on_cycle_saved, on_roster_inputs_changed

        post_save.connect(on_cycle_saved, sender=Cycle, dispatch_uid="rewards_roster_freeze")
        roster_inputs_changed.connect(
            on_roster_inputs_changed, dispatch_uid="rewards_roster_inputs"
        )
        register_nav(NavItem(_("Roster of rewards"), "rewards:index", is_office, order=70))
        register_nav(
            NavItem(_("National award"), "rewards:award", is_office | is_agency_staff, order=71)
        )
        register_panel(
            DashboardPanel(
                "rewards/panels/office.html", is_office, panels.office, order=60, scope="role"
            )
        )
        from .rules import is_first_level_staff

        register_panel(
            DashboardPanel(
                "rewards/panels/first_level.html",
                is_first_level_staff,
                panels.first_level,
                order=60,
                scope="agency",
            )
        )
