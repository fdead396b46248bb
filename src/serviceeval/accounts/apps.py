from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class AccountsConfig(AppConfig):
    name = "serviceeval.accounts"
    label = "accounts"
    verbose_name = gettext_lazy("Accounts")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in
        from django.utils.translation import gettext_lazy as _
        from django_otp import user_has_device

        from serviceeval.core.nav import DashboardPanel, NavItem, register_nav, register_panel

        from .middleware import start_idle_clock
        from .permissions import register as register_office_permissions
        from .rules import can_manage_accounts, needs_two_factor

        user_logged_in.connect(start_idle_clock, dispatch_uid="serviceeval-idle-clock")
        register_office_permissions()
        register_nav(NavItem(_("Accounts"), "accounts:people", can_manage_accounts, order=90))

        def twofactor_panel(request):
            if user_has_device(request.user):
                return None
            return {"title": _("Two-factor sign-in")}

        register_panel(
            DashboardPanel(
                "accounts/panels/twofactor.html", needs_two_factor, twofactor_panel, order=1
            )
        )
