"""The citizens' contact form, `/citoyens/contact/` (issue 20): when the assistant hands a visitor over to a
service, the visitor may write to it. The request becomes a ticket of that service (tickets.open_visitor_request)
and goes through the service's connector like an agent's: the builtin queue, its mailbox or GLPI.

The same trust zone as the public chat (assistant/public_views.py): no cookie, no session, no CSRF token (the form
acts for nobody: it only sends what the visitor types, which they could send directly). The visitor's name and
contact details are given with an explicit consent and erased after RELAIS_PUBLIC_CONTACT_RETENTION_DAYS; the
message is masked like every ticket text. The pause closes it with the assistant; the per-minute limit and a
per-address daily limit (RELAIS_PUBLIC_CONTACTS_PER_ADDRESS) keep a script from flooding a service's queue.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from relais.assistant.models import PublicAssistant
from relais.assistant.throttle import TOO_MANY, ask_allowed, client_address, public_contact_allowed
from relais.assistant.widget import allow_framing
from relais.helpdesk.tickets import open_visitor_request
from relais.knowledge.models import ServiceDesk

MESSAGE_MAX = 2000
TOO_MANY_CONTACTS = (
    "Vous avez déjà écrit plusieurs fois aux services aujourd'hui : votre demande n'a pas été envoyée. "
    "Pour une question urgente, appelez le service."
)
_PHONE = re.compile(r"^\+?[\d .\-()]{6,30}$")


class VisitorContactForm(forms.Form):
    service = forms.CharField(widget=forms.HiddenInput)
    message = forms.CharField(
        label="Votre demande",
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Écrivez votre demande.",
            "max_length": f"Votre demande est trop longue : {MESSAGE_MAX} caractères au plus.",
        },
    )
    name = forms.CharField(
        label="Votre nom", max_length=150, error_messages={"required": "Indiquez votre nom : le service en a besoin."}
    )
    email = forms.EmailField(
        label="Votre courriel (ou votre téléphone ci-dessous)",
        required=False,
        error_messages={"invalid": "Cette adresse de courriel n'est pas valide (exemple : prenom.nom@exemple.fr)."},
    )
    phone = forms.CharField(label="Votre téléphone", max_length=40, required=False)
    consent = forms.BooleanField(
        label="J'accepte que la mairie garde ces informations pour me répondre.",
        error_messages={"required": "Cochez la case d'accord : sans elle, la mairie ne peut pas garder votre demande."},
    )

    def clean_service(self) -> ServiceDesk:
        desk = ServiceDesk.objects.filter(service=self.cleaned_data["service"], contact_form=True).first()
        if desk is None:
            raise forms.ValidationError("Ce service ne reçoit pas de demandes écrites : appelez-le.")
        return desk

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and (not _PHONE.match(phone) or sum(c.isdigit() for c in phone) < 6):
            raise forms.ValidationError("Ce numéro de téléphone n'est pas valide (exemple : 06 12 34 56 78).")
        return phone

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("email") and not data.get("phone"):
            raise forms.ValidationError("Indiquez un courriel ou un téléphone : le service en a besoin pour répondre.")
        return data


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    embedded = request.POST.get("integre") == "1" or request.GET.get("integre") == "1"
    base = "assistant/public/embedded_base.html" if embedded else "assistant/public/base.html"
    context = {**context, "base": base, "embedded": embedded,
               "retention_days": settings.RELAIS.public_retention_days,
               "contact_retention_days": settings.RELAIS.public_contact_retention_days}  # fmt: skip
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)  # it holds the visitor's message and contact details
    return allow_framing(response) if embedded else response


# No CSRF token: the module's docstring says why (the same reasoning as the public chat's).
@csrf_exempt
@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest) -> HttpResponse:
    paused = PublicAssistant.pause_message_now()
    if paused is not None:
        return _render(request, "assistant/public/paused.html", {"message": paused}, status=503)
    if request.method == "GET":
        desk = ServiceDesk.objects.filter(service=request.GET.get("service", ""), contact_form=True).first()
        form = VisitorContactForm(initial={"service": desk.service if desk else ""})
        return _render(request, "helpdesk/public_contact.html", {"form": form, "desk": desk})
    form = VisitorContactForm(request.POST)
    desk = ServiceDesk.objects.filter(service=request.POST.get("service", "")).first()
    if not form.is_valid():
        return _render(request, "helpdesk/public_contact.html", {"form": form, "desk": desk}, status=400)
    address = client_address(request)
    refused = None
    if not ask_allowed(None, address):
        refused = TOO_MANY
    elif not public_contact_allowed(address):
        refused = TOO_MANY_CONTACTS
    if refused is not None:
        form.add_error(None, refused)
        return _render(request, "helpdesk/public_contact.html", {"form": form, "desk": desk}, status=429)
    data = form.cleaned_data
    ticket = open_visitor_request(
        data["service"].service, name=data["name"].strip(), email=data["email"], phone=data["phone"],
        message=data["message"].strip(),
    )  # fmt: skip
    return _render(request, "helpdesk/public_contact_sent.html", {"ticket": ticket, "desk": data["service"]})
