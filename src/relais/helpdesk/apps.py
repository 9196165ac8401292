from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "relais.helpdesk"
    verbose_name = "Demandes aux services"

    def ready(self) -> None:
        from relais.assistant.keepers import register_keeper
        from relais.helpdesk.tickets import open_tickets_of

        register_keeper(open_tickets_of)  # an agent cannot delete a conversation whose ticket is still open
