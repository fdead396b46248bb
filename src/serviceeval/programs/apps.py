from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ProgramsConfig(AppConfig):
    name = "serviceeval.programs"
    label = "programs"
    verbose_name = "考核計畫 Programs"

    def ready(self):
        post_migrate.connect(_load_builtins, sender=self)


def _load_builtins(sender, using="default", **kwargs):
    # Built-in programs are present in every fresh database after `migrate`.
    from .services import programs_load_builtin

    programs_load_builtin(using=using)
