from django.apps import AppConfig


class DiagnosticConfig(AppConfig):
    name = "relais.diagnostic"
    verbose_name = "Diagnostic numérique"

    def ready(self) -> None:
        # The pilotage dashboard sits below the diagnosis: it offers a hook, the diagnosis fills it.
        from relais.diagnostic.bridge import dashboard_section
        from relais.insights.views import add_section

        add_section(dashboard_section())
