from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "relais.insights"
    verbose_name = "Pilotage"
