from django.apps import AppConfig


class CyclesConfig(AppConfig):
    name = "serviceeval.cycles"
    label = "cycles"
    verbose_name = "年度 Cycles"
