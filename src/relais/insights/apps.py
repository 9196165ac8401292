from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "relais.insights"
    verbose_name = "Pilotage"

    def ready(self) -> None:
        from relais.insights.gaps import faq_prefill_url, service_gaps
        from relais.knowledge.workspace import register_gap_finder

        register_gap_finder(service_gaps, faq_prefill_url)  # the référents' workspace shows their open gaps
