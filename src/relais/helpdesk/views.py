"""Tickets: the agent's « Transmettre » form, and the handlers' queue (their services only)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from relais.accounts.roles import handled_services
from relais.assistant.models import Exchange
from relais.helpdesk.forms import QueueFilterForm, ReplyForm, TicketForm
from relais.helpdesk.models import Status, Ticket
from relais.helpdesk.notifications import mark_read
from relais.helpdesk.tickets import initial_values, open_ticket, reply, transcript_entries

OPEN_STATUSES = [Status.NEW, Status.IN_PROGRESS, Status.WAITING]


@login_required
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest, exchange_id: int) -> HttpResponse:
    exchange = get_object_or_404(Exchange, pk=exchange_id, conversation__user=request.user)
    form = TicketForm(request.POST or None, initial=initial_values(exchange))
    if request.method == "POST" and form.is_valid():
        ticket = open_ticket(request.user, exchange=exchange, **form.cleaned_data)
        messages.success(request, f"Votre demande {ticket.reference} a été transmise au service {ticket.service}.")
        return redirect(f"{reverse('conversation', args=[exchange.conversation_id])}#demande-{ticket.pk}")
    status = 400 if request.method == "POST" else 200
    # Exactly what the service will receive: the same entries `open_ticket` writes into the ticket's transcript.
    context = {"form": form, "exchange": exchange, "transcript": transcript_entries(exchange.conversation, exchange)}
    return render(request, "helpdesk/new_ticket.html", context, status=status)


def _handler_services(request: HttpRequest) -> list[str]:
    services = handled_services(request.user)
    if not services:
        raise PermissionDenied("Réservé aux agents qui traitent les demandes d'un service.")
    return services


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    services = _handler_services(request)
    form = QueueFilterForm(request.GET or None, services_handled=services)
    tickets = Ticket.objects.filter(service__in=services).select_related("requester")
    status = service = ""
    if form.is_valid():
        status, service = form.cleaned_data["status"], form.cleaned_data["service"]
    tickets = tickets.filter(status=status) if status else tickets.filter(status__in=OPEN_STATUSES)
    if service:
        tickets = tickets.filter(service=service)
    return render(request, "helpdesk/queue.html", {"form": form, "tickets": tickets[:200], "services": services})


@login_required
@require_http_methods(["GET", "POST"])
def handler_ticket(request: HttpRequest, ticket_id: int) -> HttpResponse:
    services = _handler_services(request)
    ticket = get_object_or_404(
        Ticket.objects.select_related("requester", "exchange"), pk=ticket_id, service__in=services
    )
    form = ReplyForm(
        request.POST or None, initial={"status": Status.IN_PROGRESS if ticket.status == Status.NEW else ticket.status}
    )
    if request.method == "POST" and form.is_valid():
        if not form.cleaned_data["body"].strip() and form.cleaned_data["status"] == ticket.status:
            form.add_error("body", "Écrivez une réponse ou changez le statut.")
        else:
            reply(ticket, request.user, form.cleaned_data["body"], form.cleaned_data["status"])
            messages.success(request, f"Demande {ticket.reference} mise à jour.")
            return redirect("handler_ticket", ticket_id=ticket.pk)
    status = 400 if request.method == "POST" else 200
    mark_read(request.user, ticket)  # the agent's replies are seen
    context = {
        "ticket": ticket,
        "form": form,
        "thread": ticket.messages.select_related("author"),
        "notify_replies": settings.RELAIS.notify_replies,
    }
    return render(request, "helpdesk/handler_ticket.html", context, status=status)
