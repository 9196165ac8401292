from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "relais.knowledge"
    verbose_name = "Base de connaissances"

    def ready(self) -> None:
        from relais.knowledge import signals  # noqa: F401  (connects the receivers)
