from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service as a whole: the server, the background worker, the retention purge.

    The top of the app stack: it may import every product app, none imports it (only `relais.demo` sits above).
    """

    name = "relais.operations"
    verbose_name = "Exploitation"

    def ready(self) -> None:
        from django.core.signals import request_finished
        from django.db.models.signals import post_save

        from relais.assistant.models import Exchange
        from relais.operations.metrics import count_exchange
        from relais.operations.middleware import forget_request_id

        # Counted here rather than in the pipeline: no product app knows about the monitoring.
        post_save.connect(count_exchange, sender=Exchange, dispatch_uid="relais.operations.metrics.count_exchange")
        request_finished.connect(forget_request_id, dispatch_uid="relais.operations.middleware.forget_request_id")
