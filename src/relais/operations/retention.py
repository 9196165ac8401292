"""Retention: personal content older than RELAIS_RETENTION_DAYS is deleted, anonymised counts are kept.

What goes: exchanges (questions, answers, feedback comments) and the conversations left empty; the text of
tickets resolved or closed before the cutoff (title, description, transcript, messages) and the payloads of
their sent e-mails or GLPI calls. What stays: `UsageCounter` rows per day, service, mode and audience, and each
ticket's service, category, status and timestamps, which the measurement of time saved needs. Guided procedures:
drafts and abandoned runs go; a finished run loses its answers, its question and its approvers' comments, and keeps
its procedure, status and dates (the time saved is counted from them); notification e-mails lose their text.

The citizens' assistant's exchanges (`audience = public`) go sooner, after RELAIS_PUBLIC_RETENTION_DAYS (never
more than RELAIS_RETENTION_DAYS), with their conversations; with 0 days they are never stored, only counted in
the same daily counts (assistant/public_views.py). Their counts are kept apart (audience public) and add what
the dashboard's section « Assistant des citoyens » needs: hand-overs, questions screened by the guard, and
questions asked while the town hall was closed (insights/visitors.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from relais.assistant.models import Conversation, Exchange, UsageCounter
from relais.helpdesk.models import OutboxMessage, Ticket, TicketMessage
from relais.insights.visitors import handed_over, opening_hours, refused
from relais.procedures.models import Approval, Run

PURGED = "[supprimé après la durée de conservation]"


@dataclass
class PurgeReport:
    cutoff: datetime
    public_cutoff: datetime | None = None
    exchanges: int = 0
    conversations: int = 0
    tickets: int = 0
    procedure_runs: int = 0
    visitor_requests: int = 0

    def as_dict(self) -> dict:
        return {
            "cutoff": self.cutoff.isoformat(),
            "public_cutoff": (self.public_cutoff or self.cutoff).isoformat(),
            "exchanges": self.exchanges,
            "conversations": self.conversations,
            "tickets": self.tickets,
            "procedure_runs": self.procedure_runs,
            "visitor_requests": self.visitor_requests,
        }


def _counts(exchanges) -> dict[tuple, dict[str, float]]:
    """The daily counts per (day, service, mode, audience); the visitors' apart, with their own counts."""
    totals: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    is_open = None
    for exchange in exchanges:
        key = (timezone.localdate(exchange.created_at), exchange.service, exchange.mode, exchange.audience)
        row = totals[key]
        rating = getattr(getattr(exchange, "feedback", None), "rating", None)
        row["exchanges"] += 1
        row["thumbs_up"] += rating == "up"
        row["thumbs_down"] += rating == "down"
        row["followed_by_ticket"] += exchange.followed_by_ticket
        row["masked_pii"] += bool(exchange.masked_pii)
        row["personal_situations"] += bool(exchange.personal_situation)
        row["latency_ms_total"] += exchange.latency_ms
        if exchange.audience == "public":
            is_open = is_open or opening_hours()
            row["handovers"] += int(handed_over(exchange.mode, exchange.screened))
            row["screened"] += int(refused(exchange.screened))
            row["outside_hours"] += int(is_open(exchange.created_at) is False)
    return totals


def _add_counts(totals: dict[tuple, dict[str, float]]) -> None:
    for (day, service, mode, audience), values in totals.items():
        counter, _ = UsageCounter.objects.get_or_create(day=day, service=service, mode=mode, audience=audience)
        UsageCounter.objects.filter(pk=counter.pk).update(**{name: F(name) + value for name, value in values.items()})


def purge(
    now: datetime | None = None, days: int | None = None, dry_run: bool = False, public_days: int | None = None
) -> PurgeReport:
    days = settings.RELAIS.retention_days if days is None else days
    public_days = settings.RELAIS.public_retention_days if public_days is None else public_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    # A visitor's exchange never outlives an agent's (config.py checks it; `relais purge --days` may be shorter).
    public_cutoff = max(cutoff, (now or timezone.now()) - timedelta(days=public_days))
    report = PurgeReport(cutoff, public_cutoff)
    expired = Q(created_at__lt=cutoff) | Q(audience="public", created_at__lt=public_cutoff)
    old = Exchange.objects.filter(expired).select_related("feedback")
    # A visitor's conversation holds their one exchange: it goes with it (the agents' go at the general cutoff).
    visitors = Conversation.objects.filter(exchanges__in=old.filter(audience="public")).exclude(
        exchanges__created_at__gte=public_cutoff
    )
    tickets = Ticket.objects.filter(resolved_at__lt=cutoff, status__in=Ticket.SETTLED).exclude(title=PURGED)
    report.exchanges, report.tickets = old.count(), tickets.count()
    empty = Conversation.objects.filter(created_at__lt=cutoff).exclude(exchanges__created_at__gte=cutoff)
    visitor_ids = set(visitors.exclude(pk__in=empty).values_list("pk", flat=True))
    report.conversations = empty.count() + len(visitor_ids)
    unfinished = Run.objects.filter(status__in=Run.UNFINISHED, updated_at__lt=cutoff)
    finished = Run.objects.filter(completed_at__lt=cutoff).exclude(question=PURGED)
    report.procedure_runs = unfinished.count() + finished.count()
    contact_cutoff = max(
        cutoff, (now or timezone.now()) - timedelta(days=settings.RELAIS.public_contact_retention_days)
    )
    requests = _expired_visitor_requests(contact_cutoff)
    report.visitor_requests = requests.count()
    if dry_run:
        return report
    with transaction.atomic():
        _add_counts(_counts(old))
        old.delete()
        empty.delete()
        Conversation.objects.filter(pk__in=visitor_ids, exchanges__isnull=True).delete()
        ids = list(tickets.values_list("pk", flat=True))
        TicketMessage.objects.filter(ticket_id__in=ids).delete()
        OutboxMessage.objects.filter(ticket_id__in=ids, state=OutboxMessage.State.SENT).update(payload={})
        Ticket.objects.filter(pk__in=ids).update(title=PURGED, description=PURGED, transcript="", sources=[])
        unfinished.delete()
        Approval.objects.filter(run__in=finished).update(comment="")
        finished.update(values={}, prefilled=[], question=PURGED)
        # Notifications about a procedure (no ticket): their text names the agent and the decision. One still
        # unsent after the whole retention period is pointless: it is given up.
        notifications = OutboxMessage.objects.filter(ticket__isnull=True, created_at__lt=cutoff)
        notifications.exclude(state=OutboxMessage.State.SENT).update(state=OutboxMessage.State.DEAD)
        notifications.update(payload={})
        _erase_visitor_requests(requests)
    return report


def _expired_visitor_requests(contact_cutoff: datetime):
    """Visitors' written requests (the citizens' contact form) past RELAIS_PUBLIC_CONTACT_RETENTION_DAYS, whatever
    their status: the consent the visitor gave says « effacées N jours après ma demande »."""
    return Ticket.objects.filter(audience="public", created_at__lt=contact_cutoff).exclude(
        title=PURGED, visitor_name="", visitor_email="", visitor_phone=""
    )


def _erase_visitor_requests(requests) -> None:
    """The visitor's name, contact details and message go, with the thread and every send's payload (one still
    unsent is given up: it would carry them); the ticket keeps its service, status and dates for the counts."""
    ids = list(requests.values_list("pk", flat=True))
    TicketMessage.objects.filter(ticket_id__in=ids).delete()
    outbox = OutboxMessage.objects.filter(ticket_id__in=ids)
    outbox.exclude(state=OutboxMessage.State.SENT).update(state=OutboxMessage.State.DEAD)
    outbox.update(payload={})
    Ticket.objects.filter(pk__in=ids).update(
        title=PURGED, description=PURGED, transcript="", sources=[], visitor_name="", visitor_email="", visitor_phone=""
    )


@task()
def purge_expired() -> dict:
    """Daily retention purge, queued by `relais worker`."""
    return purge().as_dict()
