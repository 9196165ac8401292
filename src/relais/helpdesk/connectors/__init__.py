"""Where a ticket goes: one `HelpdeskConnector` per service, chosen by RELAIS_HELPDESK_SERVICES.

Connectors are plain classes (no Django models): they get what to send and
return the external id, or raise `DeliveryError` (retried later by the outbox)
or `RejectedError` (the peer refused the content: retrying would not help).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings


class DeliveryError(Exception):
    """The peer could not be reached or failed temporarily: retry later."""


class RejectedError(DeliveryError):
    """The peer refused the request itself: retrying the same send would fail again."""


@dataclass(frozen=True)
class TicketData:
    key: str  # idempotency key: the same ticket sent twice must be recognised
    reference: str
    service: str
    category: str
    title: str
    description: str
    urgency: int
    requester_name: str
    requester_email: str
    transcript: str = ""
    sources: list[dict] = field(default_factory=list)
    link: str = ""


@dataclass(frozen=True)
class FollowupData:
    key: str
    reference: str
    external_id: str
    body: str
    author_name: str
    to_email: str = ""  # for notifications to the agent
    link: str = ""
    title: str = ""


class HelpdeskConnector(Protocol):
    name: str

    def open(self, ticket: TicketData) -> str:
        """Create the ticket at the peer (idempotent for a given key); return its external id."""
        ...

    def add_followup(self, followup: FollowupData) -> str:
        """Add a follow-up to an opened ticket (idempotent for a given key)."""
        ...

    def status(self, external_id: str) -> str | None:
        """The ticket's status as a Relais status value, or None when the peer does not tell."""
        ...


def connector_name_for(service: str) -> str:
    return dict(settings.RELAIS.helpdesk_services).get(service, "builtin")


def get_connector(name: str) -> HelpdeskConnector:
    if name == "builtin":
        from relais.helpdesk.connectors.builtin import BuiltinConnector

        return BuiltinConnector()
    if name == "email":
        from relais.helpdesk.connectors.email import EmailConnector

        return EmailConnector.from_settings()
    if name == "glpi":
        from relais.helpdesk.connectors.glpi import connector_from_settings

        return connector_from_settings()
    raise ValueError(f"Unknown helpdesk connector {name!r}; choose builtin, email or glpi")
