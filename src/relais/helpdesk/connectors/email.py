"""Tickets to a service's shared mailbox over SMTP (smtplib), and notifications to agents.

Exactly once: each message carries a Message-ID derived from its idempotency
key. A retry after an uncertain failure resends the *same* Message-ID, which
mail servers and clients use to drop duplicates; a send that the server
accepted is never retried because the outbox records it before anything else.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate

from django.conf import settings

from relais.helpdesk.connectors import DeliveryError, FollowupData, RejectedError, TicketData

MESSAGE_ID_DOMAIN = "relais.invalid"


def message_id(key: str) -> str:
    return f"<{key}@{MESSAGE_ID_DOMAIN}>"


@dataclass
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str
    password: str
    sender: str
    timeout: float

    @classmethod
    def from_settings(cls) -> SmtpSettings:
        c = settings.RELAIS
        return cls(c.smtp_host, c.smtp_port, c.smtp_starttls, c.smtp_user, c.smtp_password, c.smtp_from, c.smtp_timeout)


# Where messages go instead of an SMTP server, when one is set (the demo's mailbox: helpdesk/mailbox.py).
_local_transport: Callable[[EmailMessage], None] | None = None


def use_local_transport(transport: Callable[[EmailMessage], None] | None) -> None:
    """Hand every message to ``transport`` instead of the SMTP server (None: back to SMTP)."""
    global _local_transport
    _local_transport = transport


def local_transport() -> Callable[[EmailMessage], None] | None:
    return _local_transport


def send(smtp: SmtpSettings, message: EmailMessage) -> None:
    """Send one message; DeliveryError when the server is unreachable or fails temporarily."""
    message["From"] = smtp.sender
    message["Date"] = formatdate(localtime=True)
    if _local_transport is not None:
        _local_transport(message)
        return
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password)
            client.send_message(message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise RejectedError(f"SMTP server refused the recipients: {exc.recipients}") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP authentication failed ({exc.smtp_code}); check RELAIS_SMTP_USER/PASSWORD") from exc
    except (TimeoutError, OSError, smtplib.SMTPException) as exc:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port} unavailable: {exc}") from exc


def ticket_body(ticket: TicketData) -> str:
    lines = [
        f"Demande {ticket.reference} transmise par Relais, l'assistant des agents.",
        "",
        f"Demandeur : {ticket.requester_name} <{ticket.requester_email}>",
        f"Catégorie : {ticket.category or '—'}   Urgence : {ticket.urgency}",
        "",
        ticket.description,
    ]
    if ticket.transcript:
        lines += ["", "— Conversation avec l'assistant —", ticket.transcript]
    if ticket.sources:
        lines += [
            "",
            "— Documents cités —",
            *(f"• {s.get('document')} ({s.get('version', '')})" for s in ticket.sources),
        ]
    if ticket.link:
        lines += ["", f"Suivi : {ticket.link}"]
    return "\n".join(lines)


class EmailConnector:
    name = "email"

    def __init__(self, smtp: SmtpSettings, mailboxes: dict[str, str]) -> None:
        self.smtp = smtp
        self.mailboxes = mailboxes

    @classmethod
    def from_settings(cls) -> EmailConnector:
        return cls(SmtpSettings.from_settings(), dict(settings.RELAIS.helpdesk_mailboxes))

    def open(self, ticket: TicketData) -> str:
        mailbox = self.mailboxes.get(ticket.service)
        if not mailbox:
            raise RejectedError(f"No mailbox configured for service {ticket.service} (RELAIS_HELPDESK_MAILBOXES)")
        message = EmailMessage()
        message["To"] = mailbox
        message["Subject"] = f"[Relais {ticket.reference}] {ticket.title}"
        message["Message-ID"] = message_id(ticket.key)
        if ticket.requester_email:
            message["Reply-To"] = ticket.requester_email
        message.set_content(ticket_body(ticket))
        send(self.smtp, message)
        return message["Message-ID"]

    def add_followup(self, followup: FollowupData) -> str:
        """A message in the ticket's thread: to the service's mailbox, or to the agent (notification)."""
        message = EmailMessage()
        message["To"] = followup.to_email
        message["Subject"] = f"[Relais {followup.reference}] {followup.title}"
        message["Message-ID"] = message_id(followup.key)
        if followup.external_id.startswith("<"):
            message["In-Reply-To"] = followup.external_id
        body = followup.body
        if followup.author_name and followup.author_name != "Relais":  # who wrote it, as GLPI's follow-ups say
            body += f"\n\n— {followup.author_name}, via Relais"
        if followup.link:
            body += f"\n\nRetrouvez votre demande et la conversation : {followup.link}"
        message.set_content(body)
        send(self.smtp, message)
        return message["Message-ID"]

    def status(self, external_id: str) -> str | None:
        return None  # a mailbox does not report status; handlers update it in Relais
