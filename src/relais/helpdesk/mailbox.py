"""The demo's mailbox: e-mails kept in the database (``LocalMail``) instead of being sent over SMTP.

`make run` has no mail server: without this, every notification would fail on a refused connection, with only
a log line to show for it. While the demo town is loaded (the demo app calls ``keep_mail_locally`` at start,
in the web server and in the worker alike), the e-mail connector hands each message here, and
/notifications/courriels/ lists them — all of them for an administrator, their own for anyone else. A real
installation sends over SMTP (RELAIS_SMTP_*), tested against a real SMTP server.
"""

from __future__ import annotations

from email.message import EmailMessage

from relais.helpdesk.connectors import email
from relais.helpdesk.models import LocalMail


def keep(message: EmailMessage) -> None:
    """Store one message; the same Message-ID twice (a retry) is stored once, as a mail client would show it."""
    body = message.get_body(preferencelist=("plain",))
    LocalMail.objects.get_or_create(
        message_id=str(message["Message-ID"])[:200],
        defaults={
            "sender": str(message["From"] or "")[:254],
            "to": str(message["To"] or "")[:254],
            "subject": str(message["Subject"] or "")[:300],
            "body": body.get_content() if body is not None else "",
            "in_reply_to": str(message["In-Reply-To"] or "")[:200],
        },
    )


def keep_mail_locally(enabled: bool = True) -> None:
    """From now on (this process), e-mails go to the demo's mailbox; ``False`` sends them over SMTP again."""
    email.use_local_transport(keep if enabled else None)


def is_local() -> bool:
    return email.local_transport() is keep
