from django.apps import AppConfig


class ProceduresConfig(AppConfig):
    name = "relais.procedures"
    verbose_name = "Démarches guidées"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from relais.assistant.offers import register_procedure_finder
        from relais.procedures import signals  # noqa: F401  (connects the receivers)
        from relais.procedures.matching import offer_for

        register_procedure_finder(offer_for)  # the chat offers a procedure under its answer
