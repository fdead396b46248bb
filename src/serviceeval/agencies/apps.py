from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "serviceeval.agencies"
    label = "agencies"
    verbose_name = "機關 Agencies"

    def ready(self):
        from serviceeval.core.signals import program_loaded

        from .services import on_program_loaded

        program_loaded.connect(on_program_loaded, dispatch_uid="agencies_program_groups")
