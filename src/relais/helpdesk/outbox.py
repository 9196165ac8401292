"""The durable outbox: every external send is a row first, delivered later, retried with backoff.

Why a table and not a direct call: SMTP or GLPI may be down when the agent
clicks « Transmettre ». The ticket is stored at once (« en attente d'envoi »)
and the send happens when the peer is back. Each row has an idempotency key
that the connector passes on (GLPI externalid, e-mail Message-ID), so a retry
after a timeout where the peer did act is recognised, not duplicated.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from relais.helpdesk.connectors import DeliveryError, FollowupData, RejectedError, TicketData, get_connector
from relais.helpdesk.models import Delivery, OutboxMessage, Ticket

logger = logging.getLogger(__name__)

CLAIM_SECONDS = 120
MAX_BACKOFF = timedelta(hours=6)


def new_key(prefix: str) -> str:
    return f"{prefix}-{uuid4().hex}"


def queue(kind: str, ticket: Ticket | None, connector: str, payload: dict) -> OutboxMessage:
    """Store a send (inside the caller's transaction); it is attempted once the transaction commits."""
    message = OutboxMessage.objects.create(
        kind=kind, ticket=ticket, connector=connector, payload=payload, idempotency_key=payload["key"]
    )
    transaction.on_commit(schedule_delivery)
    return message


def schedule_delivery(run_after: datetime | None = None) -> None:
    """Ask the task worker to deliver what is due; without a worker, `relais helpdesk deliver` does it."""
    try:
        if run_after is None:
            deliver_outbox.enqueue()
        elif deliver_outbox.get_backend().supports_defer:
            deliver_outbox.using(run_after=run_after).enqueue()
    except Exception:  # the rows are safe in the outbox; the next sweep delivers them
        logger.exception("could not enqueue outbox delivery")


def backoff(attempts: int) -> timedelta:
    delay = timedelta(seconds=settings.RELAIS.outbox_backoff_seconds * 2 ** max(0, attempts - 1))
    return min(delay, MAX_BACKOFF)


def _claim(message: OutboxMessage, now: datetime) -> bool:
    claimed = OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), pk=message.pk, state=OutboxMessage.State.PENDING
    ).update(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    return claimed == 1


def _send(message: OutboxMessage) -> str:
    connector = get_connector(message.connector)
    data = dict(message.payload)
    if message.kind == OutboxMessage.Kind.OPEN_TICKET:
        return connector.open(TicketData(**data))
    data["external_id"] = data.get("external_id") or (message.ticket.external_id if message.ticket else "")
    return connector.add_followup(FollowupData(**data))


def _waits_for_ticket(message: OutboxMessage) -> bool:
    """A follow-up to the peer must wait until the ticket itself has been opened there."""
    return (
        message.kind == OutboxMessage.Kind.FOLLOWUP
        and message.ticket is not None
        and message.ticket.delivery != Delivery.SENT
    )


def deliver(message: OutboxMessage, now: datetime | None = None) -> bool:
    """Try one send; True when it was delivered."""
    now = now or timezone.now()
    if not _claim(message, now):
        return False
    message.refresh_from_db()
    if _waits_for_ticket(message):
        OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=None, next_attempt_at=now + backoff(1))
        return False
    try:
        external_id = _send(message)
    except DeliveryError as exc:
        _record_failure(message, exc, now)
        return False
    _record_success(message, external_id, now)
    return True


def _record_success(message: OutboxMessage, external_id: str, now: datetime) -> None:
    with transaction.atomic():
        message.state, message.sent_at, message.claimed_until = OutboxMessage.State.SENT, now, None
        message.attempts += 1
        message.result = {"external_id": external_id}
        message.save()
        if message.kind == OutboxMessage.Kind.OPEN_TICKET:
            Ticket.objects.filter(pk=message.ticket_id).update(external_id=external_id, delivery=Delivery.SENT)


def _record_failure(message: OutboxMessage, exc: DeliveryError, now: datetime) -> None:
    message.attempts += 1
    message.last_error = str(exc)[:2000]
    message.claimed_until = None
    given_up = isinstance(exc, RejectedError) or message.attempts >= settings.RELAIS.outbox_max_attempts
    if given_up:
        message.state = OutboxMessage.State.DEAD
        logger.error("outbox %s given up after %d attempts: %s", message.idempotency_key, message.attempts, exc)
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        logger.warning("outbox %s failed (attempt %d): %s", message.idempotency_key, message.attempts, exc)
    with transaction.atomic():
        message.save()
        if given_up and message.kind == OutboxMessage.Kind.OPEN_TICKET:
            Ticket.objects.filter(pk=message.ticket_id).update(delivery=Delivery.FAILED)
    if not given_up:
        schedule_delivery(run_after=message.next_attempt_at)


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Deliver every pending send whose time has come, oldest first."""
    now = now or timezone.now()
    due = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING, next_attempt_at__lte=now).select_related(
        "ticket"
    )
    counts = {"delivered": 0, "failed": 0}
    for message in due:
        counts["delivered" if deliver(message, now) else "failed"] += 1
    return counts


def payload_of(data: TicketData | FollowupData) -> dict:
    return asdict(data)


@task()
def deliver_outbox() -> dict[str, int]:
    """Background delivery of the outbox (django-tasks: database worker on one machine, Celery at scale)."""
    return deliver_due()
