from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "serviceeval.agencies"
    label = "agencies"
    verbose_name = "機關 Agencies"
