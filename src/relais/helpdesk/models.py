"""Tickets to a service (RH, DSI, …), their messages, and the durable outbox of external sends."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from relais.engine.privacy.pii import NEVER_STORED, guard_free_text
from relais.knowledge.models import Audience


def guarded(instance: models.Model, fields: tuple[str, ...], update_fields) -> None:
    """Mask what the charter keeps out of the tool (NIR, bank details, passwords, health: ``NEVER_STORED``) in
    the free-text ``fields`` about to be saved. Here, at the model, so that every way in — the agent's form,
    a guided procedure's failed step, a handler's reply, the admin, an API — goes through it. Phones, e-mails,
    addresses and dates are kept: a request to HR may be about them (« mon adresse a changé »)."""
    for name in fields:
        if update_fields is not None and name not in update_fields:
            continue
        value = getattr(instance, name)
        if not value:
            continue
        masked, _ = guard_free_text(value, NEVER_STORED)
        field = instance._meta.get_field(name)
        if isinstance(field, models.CharField) and field.max_length:
            masked = masked[: field.max_length]  # a placeholder may be longer than what it replaces
        setattr(instance, name, masked)


class Status(models.TextChoices):
    NEW = "nouveau", "Nouveau"
    IN_PROGRESS = "en_cours", "En cours"
    WAITING = "en_attente", "En attente"
    RESOLVED = "resolu", "Résolu"
    CLOSED = "clos", "Clos"


class Urgency(models.IntegerChoices):
    """GLPI's scale (1–5); agents choose among the middle three."""

    LOW = 2, "Basse"
    MEDIUM = 3, "Moyenne"
    HIGH = 4, "Haute"


class Delivery(models.TextChoices):
    LOCAL = "local", "Dans la file de Relais"
    PENDING = "pending", "En attente d'envoi"
    SENT = "sent", "Transmis"
    FAILED = "failed", "Échec de l'envoi"


class Ticket(models.Model):
    # A ticket in one of these statuses is settled: its text may be purged after the retention period.
    SETTLED = (Status.RESOLVED, Status.CLOSED)

    # An agent's request has its requester; a visitor's (the citizens' contact form, issue 20) has none: the
    # visitor's name and contact details are below, kept RELAIS_PUBLIC_CONTACT_RETENTION_DAYS.
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    audience = models.CharField(
        "demandeur", max_length=10, choices=Audience.choices, default=Audience.AGENTS, editable=False
    )
    visitor_name = models.CharField("nom de l'usager", max_length=150, blank=True)
    visitor_email = models.EmailField("courriel de l'usager", blank=True)
    visitor_phone = models.CharField("téléphone de l'usager", max_length=40, blank=True)
    visitor_consent_at = models.DateTimeField("consentement de l'usager le", null=True, blank=True, editable=False)
    service = models.CharField("service", max_length=100, help_text="Le groupe qui traite la demande (RH, DSI…).")
    category = models.CharField("catégorie", max_length=100, blank=True)
    title = models.CharField("titre", max_length=200)
    description = models.TextField("description")
    urgency = models.PositiveSmallIntegerField("urgence", choices=Urgency.choices, default=Urgency.MEDIUM)
    status = models.CharField("statut", max_length=12, choices=Status.choices, default=Status.NEW)
    conversation = models.ForeignKey(
        "assistant.Conversation", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    exchange = models.ForeignKey(
        "assistant.Exchange", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    transcript = models.TextField("transcription de la conversation", blank=True)
    sources = models.JSONField("sources citées", default=list, blank=True)
    connector = models.CharField("connecteur", max_length=20, default="builtin")
    external_id = models.CharField("identifiant externe", max_length=100, blank=True)
    delivery = models.CharField("transmission", max_length=10, choices=Delivery.choices, default=Delivery.LOCAL)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    first_response_at = models.DateTimeField("première réponse le", null=True, blank=True)
    resolved_at = models.DateTimeField("résolu le", null=True, blank=True)
    # What its requester and handlers were told (unread marks): deleted with the ticket.
    notifications = GenericRelation("helpdesk.Notification", "subject_id", "subject_type")

    class Meta:
        verbose_name = "demande"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["service", "status"]), models.Index(fields=["requester", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requester__isnull=False) | models.Q(audience=Audience.PUBLIC),
                name="agent_ticket_has_requester",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference} — {self.title}"

    def save(self, *args, **kwargs) -> None:
        guarded(self, ("title", "description"), kwargs.get("update_fields"))
        super().save(*args, **kwargs)

    @property
    def from_visitor(self) -> bool:
        return self.audience == Audience.PUBLIC

    @property
    def requester_label(self) -> str:
        """Who asked, as the handler reads it: the agent's name, or the visitor's with « (usager) »."""
        if self.requester is not None:
            return self.requester.get_full_name() or self.requester.username
        return f"{self.visitor_name or 'Usager anonyme'} (usager, via le site de la ville)"

    @property
    def requester_email(self) -> str:
        return self.requester.email if self.requester is not None else self.visitor_email

    @property
    def reference(self) -> str:
        return f"{self.service}-{self.pk:05d}" if self.pk else "(nouvelle)"


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    from_handler = models.BooleanField("du service", default=False)
    body = models.TextField("message")
    created_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "message"
        ordering = ["created_at", "pk"]

    def save(self, *args, **kwargs) -> None:
        guarded(self, ("body",), kwargs.get("update_fields"))
        super().save(*args, **kwargs)


class OutboxMessage(models.Model):
    """One external send (ticket creation, follow-up, e-mail), retried until delivered exactly once.

    The idempotency key travels with the send (GLPI externalid, e-mail Message-ID) so a
    retry after a timeout can be recognised instead of duplicated.
    """

    class Kind(models.TextChoices):
        OPEN_TICKET = "open_ticket", "Création de la demande"
        FOLLOWUP = "followup", "Suivi de la demande"
        NOTIFY = "notify", "Notification à l'agent"

    class State(models.TextChoices):
        PENDING = "pending", "En attente"
        SENT = "sent", "Envoyé"
        DEAD = "dead", "Abandonné"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # None for a notification about something else than a ticket (a guided procedure's approval).
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, blank=True, related_name="outbox")
    connector = models.CharField(max_length=20)
    payload = models.JSONField(default=dict)
    idempotency_key = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # A worker claims a message until this time, so two workers never send it at once.
    claimed_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "envoi"
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self) -> str:
        about = self.ticket.reference if self.ticket else self.payload.get("reference", "")
        return f"{self.get_kind_display()} {about} ({self.get_state_display()})"


class Notification(models.Model):
    """Something changed for a user on a ticket or a guided procedure's request: an unread mark until they open it.

    The row holds no free text: what it says is written from its subject when shown (``notifications.describe``),
    so the retention purge of a ticket's or a request's text leaves nothing behind here. Its subject is a ticket
    or a procedure's run (a generic relation: the procedures app sits above this one); ``conversation`` is the
    chat conversation it came from, so the chat's list of conversations can carry the mark too.
    """

    class Kind(models.TextChoices):
        HANDLER_REPLY = "handler_reply", "Réponse du service"
        STATUS = "status", "Changement de statut"
        AGENT_REPLY = "agent_reply", "Réponse de l'agent"
        APPROVED = "approved", "Demande validée"
        FORWARDED = "forwarded", "Demande approuvée, transmise à l'étape suivante"
        REJECTED = "rejected", "Demande refusée"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("type", max_length=16, choices=Kind.choices)
    status = models.CharField("nouveau statut", max_length=14, blank=True)
    subject_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    subject_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("subject_type", "subject_id")
    conversation = models.ForeignKey(
        "assistant.Conversation", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # The e-mail that carried it, if any: its state (sent, pending, given up) is shown beside the notification.
    email = models.ForeignKey(
        OutboxMessage, on_delete=models.SET_NULL, null=True, blank=True, related_name="notifications"
    )
    created_at = models.DateTimeField("le", default=timezone.now)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.user}, {self.subject_type.model} {self.subject_id})"


class LocalMail(models.Model):
    """An e-mail kept in the database instead of being sent: the demo's mailbox (« boîte de démonstration »).

    Where no mail server exists (the demo, `make run`), the e-mail connector hands its messages here
    (``mailbox.keep_mail_locally``) and /notifications/courriels/ lists them: what Relais would have sent, to
    whom, is visible instead of failing on a refused connection. A real installation sends over SMTP.
    """

    message_id = models.CharField("Message-ID", max_length=200, unique=True)
    sender = models.CharField("expéditeur", max_length=254)
    to = models.CharField("destinataire", max_length=254, db_index=True)
    subject = models.CharField("objet", max_length=300)
    body = models.TextField("texte")
    in_reply_to = models.CharField("en réponse à", max_length=200, blank=True)
    created_at = models.DateTimeField("reçu le", default=timezone.now)

    class Meta:
        verbose_name = "courriel de la boîte de démonstration"
        verbose_name_plural = "courriels de la boîte de démonstration"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"
