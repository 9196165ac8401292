from django.apps import AppConfig


class AssistantConfig(AppConfig):
    name = "relais.assistant"
    verbose_name = "Assistant"
