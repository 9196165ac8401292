"""The durable outbox: every external send is a row first, delivered later, retried with backoff.

Why a table and not a direct call: SMTP or GLPI may be down when the agent
clicks « Transmettre ». The ticket is stored at once (« en attente d'envoi »)
and the send happens when the peer is back. Each row has an idempotency key
that the connector passes on (GLPI externalid, e-mail Message-ID), so a retry
after a timeout where the peer did act is recognised, not duplicated.

Several workers (and `relais helpdesk deliver`) may deliver at once, on several machines: each message is
claimed before it is sent. The claim is a lease (``claimed_until``) taken by a conditional UPDATE, so two live
workers never send the same message, and a worker killed mid-send only holds it until the lease ends, after
which another worker sends it (the idempotency key covers a peer that had already acted). On PostgreSQL the
candidate row is picked with ``SELECT … FOR UPDATE SKIP LOCKED``, so concurrent workers spread over the backlog
instead of queueing on one row; on SQLite the write lock (IMMEDIATE transactions) serialises the claims.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from relais.helpdesk.connectors import DeliveryError, FollowupData, RejectedError, TicketData, get_connector
from relais.helpdesk.models import Delivery, OutboxMessage, Ticket

logger = logging.getLogger(__name__)

# A claim outlives the slowest send: one send is a few requests (GLPI: session, search, create), each bounded
# by its timeout; the lease is the longer of this floor and CLAIM_TIMEOUTS times the configured timeouts.
CLAIM_SECONDS = 120
CLAIM_TIMEOUTS = 6
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


def claim_lease() -> timedelta:
    config = settings.RELAIS
    return timedelta(seconds=max(CLAIM_SECONDS, CLAIM_TIMEOUTS * max(config.glpi_timeout, config.smtp_timeout)))


def _claimable(now: datetime):
    """Pending messages no live worker holds: never claimed, released, or whose claim has run out."""
    return OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now), state=OutboxMessage.State.PENDING
    )


def _claim(pk: int, now: datetime) -> bool:
    """Take the lease on one message; the conditional UPDATE lets exactly one of two racing workers win."""
    return _claimable(now).filter(pk=pk).update(claimed_until=now + claim_lease()) == 1


def _claim_next(now: datetime, after: int) -> OutboxMessage | None:
    """Claim the oldest due message past ``after`` (pk order: a follow-up comes after its ticket)."""
    while True:
        with transaction.atomic():
            due = _claimable(now).filter(next_attempt_at__lte=now, pk__gt=after).order_by("pk")
            if connection.features.has_select_for_update_skip_locked:
                # Rows another worker is claiming right now are skipped, not waited for.
                due = due.select_for_update(skip_locked=True)
            pk = due.values_list("pk", flat=True).first()
            if pk is None:
                return None
            if _claim(pk, now):
                return OutboxMessage.objects.select_related("ticket").get(pk=pk)
        after = pk  # another worker won this one: look further


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


def _attempt(message: OutboxMessage, now: datetime) -> bool:
    """Send a message this worker has claimed, and record the outcome."""
    if _waits_for_ticket(message):
        OutboxMessage.objects.filter(pk=message.pk).update(claimed_until=None, next_attempt_at=now + backoff(1))
        return False
    lease_end = message.claimed_until
    try:
        external_id = _send(message)
    except DeliveryError as exc:
        _record_failure(message, exc, now)
        return False
    finally:
        if lease_end and timezone.now() > lease_end:
            logger.warning(
                "outbox %s: the send outlasted its %d s claim, so another worker may have sent it too "
                "(the peer recognises the idempotency key); lower RELAIS_GLPI_TIMEOUT/RELAIS_SMTP_TIMEOUT",
                message.idempotency_key,
                claim_lease().total_seconds(),
            )
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
    given_up = isinstance(exc, RejectedError) or message.attempts >= settings.RELAIS.outbox_max_attempts
    if given_up:
        message.state = OutboxMessage.State.DEAD
        logger.error("outbox %s given up after %d attempts: %s", message.idempotency_key, message.attempts, exc)
    else:
        message.next_attempt_at = now + backoff(message.attempts)
        logger.warning("outbox %s failed (attempt %d): %s", message.idempotency_key, message.attempts, exc)
    with transaction.atomic():
        # Only while still pending: a worker whose claim ran out must not undo another worker's success.
        recorded = OutboxMessage.objects.filter(pk=message.pk, state=OutboxMessage.State.PENDING).update(
            attempts=message.attempts,
            last_error=message.last_error,
            state=message.state,
            next_attempt_at=message.next_attempt_at,
            claimed_until=None,
        )
        if recorded and given_up and message.kind == OutboxMessage.Kind.OPEN_TICKET:
            Ticket.objects.filter(pk=message.ticket_id).update(delivery=Delivery.FAILED)
    if recorded and not given_up:
        schedule_delivery(run_after=message.next_attempt_at)


def deliver_due(now: datetime | None = None) -> dict[str, int]:
    """Deliver every pending send whose time has come, oldest first, claiming each one before sending it.

    ``now`` (tests) fixes the clock for the whole run; otherwise each claim reads the clock afresh, so that a
    long run does not take leases that have already expired.
    """
    counts = {"delivered": 0, "failed": 0}
    last = 0
    while True:
        moment = now or timezone.now()
        message = _claim_next(moment, after=last)
        if message is None:
            return counts
        last = message.pk
        counts["delivered" if _attempt(message, moment) else "failed"] += 1


def payload_of(data: TicketData | FollowupData) -> dict:
    return asdict(data)


@task()
def deliver_outbox() -> dict[str, int]:
    """Background delivery of the outbox (django-tasks: database worker on one machine, Celery at scale)."""
    return deliver_due()
