from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "relais.helpdesk"
    verbose_name = "Demandes aux services"
