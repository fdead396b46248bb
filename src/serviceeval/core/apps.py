from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "serviceeval.core"
    label = "core"
    verbose_name = "核心 Core"

    def ready(self):
        from django.utils.translation import gettext

        from serviceeval.engine import i18n

        # Engine messages are translated like every other (issue 15 item 2).
        i18n.install(gettext)
