"""Opening tickets from the chat, handler replies and status changes, with their outbox sends."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from relais.accounts.roles import services
from relais.assistant.models import Conversation, Exchange
from relais.engine.privacy.pii import NEVER_STORED, guard_free_text
from relais.helpdesk.connectors import DeliveryError, FollowupData, TicketData, connector_name_for, get_connector
from relais.helpdesk.models import Delivery, OutboxMessage, Status, Ticket, TicketMessage, Urgency
from relais.helpdesk.outbox import new_key, payload_of, queue
from relais.knowledge.models import Document

TITLE_MAX = 120


def transcript_of(conversation: Conversation | None, upto: Exchange | None = None) -> str:
    if conversation is None:
        return ""
    lines = []
    for exchange in conversation.exchanges.order_by("created_at", "pk"):
        lines += [f"Agent : {exchange.question}", f"Relais ({exchange.get_mode_display()}) : {exchange.answer}", ""]
        if upto is not None and exchange.pk == upto.pk:
            break
    return "\n".join(lines).strip()


def suggested_service(exchange: Exchange | None) -> str:
    """The service owning the documents the answer cited or suggested, else the first configured one."""
    known = services()
    if exchange is not None:
        ids = [c["document_id"] for c in exchange.citations] + [s["document_id"] for s in exchange.suggestions]
        for document_id in ids:
            document = Document.objects.filter(pk=document_id).select_related("collection").first()
            service = document and (document.service or document.collection.service)
            if service in known:
                return service
    return known[0] if known else "DSI"


def suggested_category(exchange: Exchange | None) -> str:
    if exchange is None:
        return ""
    items = exchange.citations or exchange.suggestions
    return items[0]["document"][:100] if items else ""


def initial_values(exchange: Exchange | None) -> dict:
    question = exchange.question if exchange else ""
    title = question if len(question) <= TITLE_MAX else question[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
    return {
        "title": title,
        "description": question,
        "service": suggested_service(exchange),
        "category": suggested_category(exchange),
        "urgency": Urgency.MEDIUM,
    }


def _link(path: str) -> str:
    return settings.RELAIS.site_url.rstrip("/") + path


def _ticket_data(ticket: Ticket) -> TicketData:
    user = ticket.requester
    return TicketData(
        key=new_key("ticket"),
        reference=ticket.reference,
        service=ticket.service,
        category=ticket.category,
        title=ticket.title,
        description=ticket.description,
        urgency=ticket.urgency,
        requester_name=user.get_full_name() or user.username,
        requester_email=user.email,
        transcript=ticket.transcript,
        sources=ticket.sources,
        link=_link(reverse("handler_ticket", args=[ticket.pk])),
    )


@transaction.atomic
def open_ticket(requester, *, title, description, service, category, urgency, exchange: Exchange | None) -> Ticket:
    """A new ticket; ``Ticket.save`` masks its title and description before anything (outbox included) reads them."""
    conversation = exchange.conversation if exchange else None
    ticket = Ticket.objects.create(
        requester=requester,
        service=service,
        category=category,
        title=title,
        description=description,
        urgency=urgency,
        conversation=conversation,
        exchange=exchange,
        transcript=transcript_of(conversation, upto=exchange),
        sources=[
            {k: c.get(k) for k in ("document_id", "document", "section", "version")}
            for c in (exchange.citations if exchange else [])
        ],
        connector=connector_name_for(service),
    )
    if ticket.connector != "builtin":
        ticket.delivery = Delivery.PENDING
        ticket.save(update_fields=["delivery"])
        queue(OutboxMessage.Kind.OPEN_TICKET, ticket, ticket.connector, payload_of(_ticket_data(ticket)))
    mark_not_deflected(ticket)
    return ticket


def mark_not_deflected(ticket: Ticket) -> int:
    """The agent's recent answers on this service did not settle the request (deflection signal)."""
    since = ticket.created_at - timezone.timedelta(days=settings.RELAIS.deflection_days)
    return Exchange.objects.filter(
        user=ticket.requester, service=ticket.service, created_at__gte=since, created_at__lte=ticket.created_at
    ).update(followed_by_ticket=True)


@transaction.atomic
def reply(ticket: Ticket, handler, body: str, status: str) -> TicketMessage | None:
    """A handler answers the agent and/or changes the status; the agent is notified by e-mail.

    The reply is masked once (``NEVER_STORED``, as ``TicketMessage.save`` does) before anything uses it: the
    stored message, the follow-up to an external helpdesk and the e-mail to the agent all carry the same text.
    """
    now = timezone.now()
    message = None
    body, _ = guard_free_text(body.strip(), NEVER_STORED)
    if body:
        message = TicketMessage.objects.create(ticket=ticket, author=handler, from_handler=True, body=body)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        if ticket.connector != "builtin":
            followup = FollowupData(
                key=new_key("followup"),
                reference=ticket.reference,
                external_id="",
                body=body,
                author_name=handler.get_full_name() or handler.username,
                title=ticket.title,
                to_email=dict(settings.RELAIS.helpdesk_mailboxes).get(ticket.service, ""),
            )
            queue(OutboxMessage.Kind.FOLLOWUP, ticket, ticket.connector, payload_of(followup))
        _notify_requester(ticket, handler, body)
    if status != ticket.status:
        ticket.status = status
        if status in {Status.RESOLVED, Status.CLOSED} and ticket.resolved_at is None:
            ticket.resolved_at = now
        if status not in {Status.RESOLVED, Status.CLOSED}:
            ticket.resolved_at = None
    ticket.save()
    return message


def _notify_requester(ticket: Ticket, handler, body: str) -> None:
    email = ticket.requester.email
    if not settings.RELAIS.notify_replies or not email:
        return
    path = reverse("conversation", args=[ticket.conversation_id]) if ticket.conversation_id else reverse("chat")
    notification = FollowupData(
        key=new_key("notify"),
        reference=ticket.reference,
        external_id="",
        body=f"{handler.get_full_name() or handler.username} ({ticket.service}) a répondu à votre demande "
        f"« {ticket.title} » :\n\n{body}",
        author_name=handler.get_full_name() or handler.username,
        to_email=email,
        link=_link(path),
        title=f"Réponse à votre demande « {ticket.title} »",
    )
    queue(OutboxMessage.Kind.NOTIFY, ticket, "email", payload_of(notification))


def sync_statuses() -> int:
    """Read back the status of tickets opened in an external helpdesk; returns how many changed."""
    changed = 0
    open_tickets = Ticket.objects.exclude(status=Status.CLOSED).exclude(external_id="").exclude(connector="builtin")
    for ticket in open_tickets:
        try:
            status = get_connector(ticket.connector).status(ticket.external_id)
        except DeliveryError:
            continue  # the peer is down: try again at the next sync
        if status and status != ticket.status:
            ticket.status = status
            if status in {Status.RESOLVED, Status.CLOSED}:
                ticket.resolved_at = ticket.resolved_at or timezone.now()
            ticket.save(update_fields=["status", "resolved_at", "updated_at"])
            changed += 1
    return changed


@task()
def sync_helpdesk_statuses() -> int:
    """Background read-back of external tickets' statuses (GLPI), queued by `relais worker`'s sweep."""
    return sync_statuses()
