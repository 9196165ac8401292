from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Running the service as a whole: the server, the background worker, the retention purge.

    The top of the app stack: it may import every product app, none imports it (only `relais.demo` sits above).
    """

    name = "relais.operations"
    verbose_name = "Exploitation"
