"""What changed for a user: unread marks on tickets, guided procedures' requests and conversations.

A notification is a row per (user, subject, event), cleared (``read_at``) when its user opens the subject. The
other apps call ``notify`` where something changes for someone (a handler's reply, a status change, a decision
on a request) and ``mark_read`` where the person looks at it; opening the conversation a ticket or a request came
from reads them too (``read_conversation``). Templates ask ``unread_keys`` through the ``notifications`` template
tags. Notifications hold no free text: ``describe`` writes it from the subject.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from relais.assistant.models import Conversation
from relais.assistant.views import on_conversation_opened
from relais.helpdesk.models import Notification, OutboxMessage, Status, Ticket

Kind = Notification.Kind


def notify(
    user,
    kind: str,
    subject: models.Model,
    *,
    status: str = "",
    conversation=None,
    email: OutboxMessage | None = None,
) -> Notification:
    """Tell ``user`` that ``subject`` (a ticket or a procedure's run) changed; always stored, e-mail or not."""
    return Notification.objects.create(
        user=user,
        kind=kind,
        status=status,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        conversation=conversation,
        email=email,
    )


def mark_read(user, subject: models.Model) -> int:
    """``user`` has opened ``subject``: its notifications are read. Returns how many were unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(
        user=user,
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def read_conversation(request: HttpRequest, conversation: Conversation) -> int:
    """The user opened their ``conversation``: the notifications about it (a reply to a ticket escalated from it,
    a decision on a request started there) are read. Returns how many were unread.

    The page being opened still marks what was new on it: the unread keys are taken first, once per request.
    The next page no longer marks it, and the header's count is already the new one.
    """
    unread_keys(request)
    return Notification.objects.filter(user=request.user, conversation=conversation, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# The assistant cannot import this app: it calls back when a conversation is opened. Registered when this module
# is imported, which HelpdeskConfig.ready does (through helpdesk.tickets) before any request.
on_conversation_opened(read_conversation)


def unread(user):
    return Notification.objects.filter(user=user, read_at__isnull=True)


def unread_keys(request: HttpRequest) -> set[tuple[str, int]]:
    """(model label, pk) of every object with an unread notification for the signed-in user, once per request.

    Conversations are included through the notifications' ``conversation``: a reply to a ticket marks the
    conversation it was escalated from.
    """
    cached = getattr(request, "_relais_unread", None)
    if cached is not None:
        return cached
    keys: set[tuple[str, int]] = set()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        labels = {}
        for type_id, subject_id, conversation_id in unread(user).values_list(
            "subject_type_id", "subject_id", "conversation_id"
        ):
            if type_id not in labels:
                model = ContentType.objects.get_for_id(type_id).model_class()
                labels[type_id] = model._meta.label_lower if model else ""
            keys.add((labels[type_id], subject_id))
            if conversation_id:
                keys.add(("assistant.conversation", conversation_id))
    request._relais_unread = keys
    return keys


def is_unread(request: HttpRequest, obj: models.Model | None) -> bool:
    return obj is not None and obj.pk is not None and (obj._meta.label_lower, obj.pk) in unread_keys(request)


def _quoted(subject) -> str:
    if isinstance(subject, Ticket):
        return f"{subject.reference} « {subject.title} »"
    procedure = getattr(subject, "procedure", None)
    return f"{subject.reference} « {procedure.title} »" if procedure else str(subject.reference)


def describe(notification: Notification) -> str:
    """The notification as a French sentence, written from its subject as it is now."""
    subject = notification.subject
    if subject is None:
        return "Cet élément a été supprimé."
    what = _quoted(subject)
    status = Status(notification.status).label if notification.status in Status.values else ""
    if notification.kind == Kind.HANDLER_REPLY:
        sentence = f"Le service {subject.service} a répondu à votre demande {what}"
        return f"{sentence} (statut : {status})." if status else f"{sentence}."
    if notification.kind == Kind.STATUS:
        return f"Votre demande {what} est passée au statut « {status or notification.status} »."
    if notification.kind == Kind.AGENT_REPLY:
        requester = subject.requester.get_full_name() or subject.requester.username
        return f"{requester} a répondu dans la demande {what}."
    if notification.kind == Kind.APPROVED:
        return f"Votre demande {what} a été validée."
    if notification.kind == Kind.FORWARDED:
        return f"Votre demande {what} a été approuvée et transmise à l'étape suivante."
    if notification.kind == Kind.REJECTED:
        return f"Votre demande {what} a été refusée."
    return f"{notification.get_kind_display()} : {what}."


def target_path(notification: Notification) -> str:
    """Where the notification leads its user: their ticket page, the handler's page, or the request's page."""
    subject = notification.subject
    if subject is None:
        return reverse("notifications")
    if isinstance(subject, Ticket):
        if subject.requester_id == notification.user_id:
            return reverse("my_ticket", args=[subject.pk])
        return reverse("handler_ticket", args=[subject.pk])
    return reverse("procedure_run", args=[subject.pk])
