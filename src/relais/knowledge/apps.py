from django.apps import AppConfig


class KnowledgeConfig(AppConfig):
    name = "relais.knowledge"
    verbose_name = "Base de connaissances"
