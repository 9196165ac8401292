import os

from django.apps import AppConfig
from django.conf import settings


class DemoConfig(AppConfig):
    """The demo: Val-de-Brume's documents, accounts and settings, and simulated usage for the dashboard.

    The top of the app stack: it may import every app, no app imports it.
    """

    name = "relais.demo"
    verbose_name = "Démonstration"

    def ready(self) -> None:
        from relais.demo.town import marker, with_demo_town

        if marker(settings.DATA_DIR).is_file():  # `relais demo` loaded the demo into this data folder
            settings.RELAIS = with_demo_town(settings.RELAIS, os.environ)
            if "RELAIS_SMTP_HOST" not in os.environ:  # no mail server: e-mails go to /notifications/courriels/
                from relais.helpdesk.mailbox import keep_mail_locally

                keep_mail_locally()
