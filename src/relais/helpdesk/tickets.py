"""Opening tickets from the chat, handler replies and status changes, with their outbox sends."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from relais.accounts.roles import services
from relais.assistant.models import Conversation, Exchange
from relais.engine.privacy.pii import NEVER_STORED, guard_free_text
from relais.helpdesk.connectors import DeliveryError, FollowupData, TicketData, connector_name_for, get_connector
from relais.helpdesk.models import Delivery, Notification, OutboxMessage, Status, Ticket, TicketMessage, Urgency
from relais.helpdesk.notifications import notify
from relais.helpdesk.outbox import new_key, payload_of, queue
from relais.knowledge.models import Audience, Document

TITLE_MAX = 120
VISITOR_CATEGORY = "Demande d'un usager (site de la ville)"


@dataclass(frozen=True)
class TranscriptEntry:
    """One exchange as the handler receives it: the form's preview and the ticket's transcript both come from here."""

    question: str
    mode: str  # how Relais answered (« FAQ validée », « abstention »…)
    answer: str
    escalated: bool  # the exchange the ticket is about (the last one sent)


def transcript_entries(conversation: Conversation | None, upto: Exchange | None = None) -> list[TranscriptEntry]:
    """The conversation's exchanges up to `upto` included (the later ones are not sent), oldest first."""
    if conversation is None:
        return []
    entries = []
    for exchange in conversation.exchanges.order_by("created_at", "pk"):
        last = upto is not None and exchange.pk == upto.pk
        entries.append(TranscriptEntry(exchange.question, exchange.get_mode_display(), exchange.answer, last))
        if last:
            break
    return entries


def transcript_of(conversation: Conversation | None, upto: Exchange | None = None) -> str:
    """The text sent to the service (stored on the ticket, carried by the connectors)."""
    lines = []
    for entry in transcript_entries(conversation, upto):
        lines += [f"Agent : {entry.question}", f"Relais ({entry.mode}) : {entry.answer}", ""]
    return "\n".join(lines).strip()


def suggested_service(exchange: Exchange | None) -> str:
    """The service owning the documents the answer cited or suggested, else the first configured one."""
    known = services()
    if exchange is not None:
        ids = [c["document_id"] for c in exchange.citations] + [s["document_id"] for s in exchange.suggestions]
        for document_id in ids:
            document = Document.objects.filter(pk=document_id).select_related("collection").first()
            service = document and document.owning_service
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
    return TicketData(
        key=new_key("ticket"),
        reference=ticket.reference,
        service=ticket.service,
        category=ticket.category,
        title=ticket.title,
        description=ticket.description,
        urgency=ticket.urgency,
        requester_name=ticket.requester_label,
        requester_email=ticket.requester_email,
        transcript=ticket.transcript or _visitor_contact(ticket),
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


def _visitor_contact(ticket: Ticket) -> str:
    """What the service needs to answer a visitor, in the text the connectors carry (GLPI, the mailbox)."""
    if not ticket.from_visitor:
        return ""
    lines = [f"Demande d'un usager sur le site de la ville : {ticket.visitor_name}"]
    lines += [f"Courriel : {ticket.visitor_email}"] if ticket.visitor_email else []
    lines += [f"Téléphone : {ticket.visitor_phone}"] if ticket.visitor_phone else []
    days = settings.RELAIS.public_contact_retention_days
    return "\n".join([*lines, f"(coordonnées données avec son accord, effacées de Relais après {days} jours)"])


@transaction.atomic
def open_visitor_request(service: str, *, name: str, email: str, phone: str, message: str) -> Ticket:
    """A visitor's written request to a service (the citizens' contact form, issue 20): a ticket without an agent,
    with the visitor's contact details, sent through the service's connector like an agent's. The message is
    masked at the model (``Ticket.save``) like every ticket text; the contact details are kept, with the
    visitor's consent, RELAIS_PUBLIC_CONTACT_RETENTION_DAYS (operations/retention.py)."""
    title = message if len(message) <= TITLE_MAX else message[: TITLE_MAX - 1].rsplit(" ", 1)[0] + "…"
    ticket = Ticket.objects.create(
        requester=None,
        audience=Audience.PUBLIC,
        visitor_name=name,
        visitor_email=email,
        visitor_phone=phone,
        visitor_consent_at=timezone.now(),
        service=service,
        category=VISITOR_CATEGORY,
        title=title,
        description=message,
        connector=connector_name_for(service),
    )
    if ticket.connector != "builtin":
        ticket.delivery = Delivery.PENDING
        ticket.save(update_fields=["delivery"])
        queue(OutboxMessage.Kind.OPEN_TICKET, ticket, ticket.connector, payload_of(_ticket_data(ticket)))
    return ticket


def mark_not_deflected(ticket: Ticket) -> int:
    """The agent's recent answers on this service did not settle the request (deflection signal)."""
    since = ticket.created_at - timezone.timedelta(days=settings.RELAIS.deflection_days)
    return Exchange.objects.filter(
        user=ticket.requester, service=ticket.service, created_at__gte=since, created_at__lte=ticket.created_at
    ).update(followed_by_ticket=True)


@transaction.atomic
def reply(ticket: Ticket, handler, body: str, status: str) -> TicketMessage | None:
    """A handler answers the agent and/or changes the status; the agent is notified in Relais (an unread mark on
    the ticket and its conversation) and by e-mail.

    The reply is masked once (``NEVER_STORED``, as ``TicketMessage.save`` does) before anything uses it: the
    stored message, the follow-up to an external helpdesk and the e-mail to the agent all carry the same text.
    """
    now = timezone.now()
    message = email = None
    body, _ = guard_free_text(body.strip(), NEVER_STORED)
    if body:
        message = TicketMessage.objects.create(ticket=ticket, author=handler, from_handler=True, body=body)
        if ticket.first_response_at is None:
            ticket.first_response_at = now
        _queue_followup(ticket, handler, body)
        email = _notify_requester(ticket, handler, body)
    changed = status != ticket.status
    if changed:
        ticket.status = status
        if status in {Status.RESOLVED, Status.CLOSED} and ticket.resolved_at is None:
            ticket.resolved_at = now
        if status not in {Status.RESOLVED, Status.CLOSED}:
            ticket.resolved_at = None
    ticket.save()
    if (body or changed) and ticket.requester is not None:  # a visitor has no account: the e-mail tells them
        kind = Notification.Kind.HANDLER_REPLY if body else Notification.Kind.STATUS
        notify(ticket.requester, kind, ticket, status=status if changed else "", conversation=ticket.conversation,
               email=email)  # fmt: skip
    return message


class ReplyRefused(ValueError):
    """The agent may not reply to this ticket now (French message)."""


@transaction.atomic
def agent_reply(ticket: Ticket, agent, body: str) -> TicketMessage:
    """The agent answers in their ticket (a handler's question, a detail): masked like every stored free text,
    carried to GLPI or the service's mailbox, and the ticket goes back to « En cours » when it was waiting for
    the agent (« En attente ») or marked solved. The handlers who wrote in the thread get an unread mark."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.requester_id != agent.pk:
        raise ReplyRefused("Seul l'agent qui a fait la demande peut y répondre ici.")
    if ticket.status == Status.CLOSED:
        raise ReplyRefused("Cette demande est close : posez une nouvelle question à l'assistant.")
    body, _ = guard_free_text(body.strip(), NEVER_STORED)
    if not body:
        raise ReplyRefused("Écrivez votre réponse.")
    message = TicketMessage.objects.create(ticket=ticket, author=agent, from_handler=False, body=body)
    _queue_followup(ticket, agent, body)
    if ticket.status in {Status.WAITING, Status.RESOLVED}:
        ticket.status, ticket.resolved_at = Status.IN_PROGRESS, None
    ticket.save()
    handlers = (
        ticket.messages.filter(from_handler=True, author__isnull=False).values_list("author", flat=True).distinct()
    )
    for handler in get_user_model().objects.filter(pk__in=handlers).exclude(pk=agent.pk):
        notify(handler, Notification.Kind.AGENT_REPLY, ticket)
    return message


def _queue_followup(ticket: Ticket, author, body: str) -> None:
    """A message of the thread, carried to the ticket at the external helpdesk (GLPI follow-up, e-mail to the
    service's mailbox), idempotent through its outbox key; nothing to send for the builtin queue."""
    if ticket.connector == "builtin":
        return
    followup = FollowupData(
        key=new_key("followup"),
        reference=ticket.reference,
        external_id="",
        body=body,
        author_name=author.get_full_name() or author.username,
        title=ticket.title,
        to_email=dict(settings.RELAIS.helpdesk_mailboxes).get(ticket.service, ""),
    )
    queue(OutboxMessage.Kind.FOLLOWUP, ticket, ticket.connector, payload_of(followup))


def _notify_requester(ticket: Ticket, handler, body: str) -> OutboxMessage | None:
    """The handler's reply, by e-mail to whoever asked. An agent gets a link to the ticket's page, to reply there;
    a visitor (the citizens' contact form) has no page in Relais: the whole answer, signed by the service."""
    email = ticket.requester_email
    if not settings.RELAIS.notify_replies or not email:
        return None
    if ticket.from_visitor:
        author, link = ticket.service, ""
        text = (
            f"Bonjour,\n\nVoici la réponse du service {ticket.service} à votre demande « {ticket.title} » :"
            f"\n\n{body}\n\nRéférence de votre demande : {ticket.reference}."
        )
    else:
        author, link = handler.get_full_name() or handler.username, _link(reverse("my_ticket", args=[ticket.pk]))
        text = f"{author} ({ticket.service}) a répondu à votre demande « {ticket.title} » :\n\n{body}"
    notification = FollowupData(
        key=new_key("notify"),
        reference=ticket.reference,
        external_id="",
        body=text,
        author_name=author,
        to_email=email,
        link=link,
        title=f"Réponse à votre demande « {ticket.title} »",
    )
    return queue(OutboxMessage.Kind.NOTIFY, ticket, "email", payload_of(notification))


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
            if ticket.requester is not None:
                notify(ticket.requester, Notification.Kind.STATUS, ticket, status=status,
                       conversation=ticket.conversation)  # fmt: skip
            changed += 1
    return changed


@task()
def sync_helpdesk_statuses() -> int:
    """Background read-back of external tickets' statuses (GLPI), queued by `relais worker`'s sweep."""
    return sync_statuses()


def open_tickets_of(conversation) -> list[Ticket]:
    """The conversation's tickets not yet settled (the chat keeps such a conversation: assistant/keepers.py)."""
    return list(conversation.tickets.exclude(status__in=Ticket.SETTLED))
