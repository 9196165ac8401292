"""The agent's side of tickets and notifications: their requests as conversations with the service, what changed
for them (unread marks), and the demo's mailbox. Every page shows the signed-in user's own things only."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from relais.helpdesk.forms import AgentReplyForm
from relais.helpdesk.mailbox import is_local
from relais.helpdesk.models import LocalMail, Notification, Status, Ticket
from relais.helpdesk.notifications import describe, mark_read, target_path, unread
from relais.helpdesk.tickets import ReplyRefused, agent_reply

NOTIFICATIONS_SHOWN = 100


@login_required
def my_tickets(request: HttpRequest) -> HttpResponse:
    tickets = Ticket.objects.filter(requester=request.user).order_by("-updated_at")[:200]
    return render(request, "helpdesk/my_tickets.html", {"tickets": tickets})


@login_required
@require_http_methods(["GET", "POST"])
def my_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The agent's request, the thread with the service, and a reply form while the ticket is not closed."""
    ticket = get_object_or_404(Ticket, pk=ticket_id, requester=request.user)
    may_reply = ticket.status != Status.CLOSED
    form = AgentReplyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if may_reply and form.is_valid():
            try:
                agent_reply(ticket, request.user, form.cleaned_data["body"])
            except ReplyRefused as refusal:
                form.add_error("body", str(refusal))
            else:
                messages.success(request, f"Votre réponse a été transmise au service {ticket.service}.")
                return redirect("my_ticket", ticket_id=ticket.pk)
        elif not may_reply:
            form.add_error(None, "Cette demande est close : posez une nouvelle question à l'assistant.")
        status = 400
    unread_before = mark_read(request.user, ticket)
    context = {
        "ticket": ticket,
        "thread": ticket.messages.select_related("author"),
        "form": form,
        "may_reply": may_reply,
        "had_unread": unread_before > 0,
    }
    return render(request, "helpdesk/my_ticket.html", context, status=status)


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = (
        Notification.objects.filter(user=request.user)
        .select_related("email", "subject_type")
        .prefetch_related("subject")[:NOTIFICATIONS_SHOWN]
    )
    items = [{"notification": n, "text": describe(n), "unread": n.read_at is None} for n in rows]
    context = {"items": items, "unread_total": unread(request.user).count(), "local_mailbox": is_local()}
    return render(request, "helpdesk/notifications.html", context)


@login_required
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Follow a notification: everything unread about its subject is read, then its page."""
    notification = get_object_or_404(Notification, pk=notification_id, user=request.user)
    path = target_path(notification)
    if notification.subject is not None:
        mark_read(request.user, notification.subject)
    else:
        Notification.objects.filter(pk=notification.pk).update(read_at=timezone.now())
    return redirect(path)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    count = unread(request.user).update(read_at=timezone.now())
    messages.success(request, f"Notifications marquées comme lues : {count}.")
    return redirect("notifications")


@login_required
def mailbox(request: HttpRequest) -> HttpResponse:
    """The demo's mailbox: every e-mail for an administrator, those sent to their own address for anyone else."""
    mails = LocalMail.objects.all()
    if not request.user.is_superuser:
        mails = mails.filter(to__iexact=request.user.email) if request.user.email else mails.none()
    context = {"mails": mails[:200], "local_mailbox": is_local(), "everyone": request.user.is_superuser}
    return render(request, "helpdesk/mailbox.html", context)
