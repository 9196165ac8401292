from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "relais.procedures"
    verbose_name = "Démarches guidées"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from relais.procedures import signals  # noqa: F401  (connects the receivers)
