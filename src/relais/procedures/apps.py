from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "relais.procedures"
    verbose_name = "Démarches guidées"
    default_auto_field = "django.db.models.BigAutoField"
