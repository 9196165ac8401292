from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "relais.assistant"
    verbose_name = "Assistant"

    def ready(self) -> None:
        from relais.assistant.feedback import feedback_notes
        from relais.knowledge.workspace import register_feedback_finder

        register_feedback_finder(feedback_notes)  # the référents' workspace shows their service's latest opinions
