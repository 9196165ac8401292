from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "relais.audit"
    verbose_name = "Journal d'audit"

    def ready(self) -> None:
        from relais.audit import signals  # noqa: F401  (mirrors the admin's own log)
