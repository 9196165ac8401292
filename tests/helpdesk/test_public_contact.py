"""The citizens' contact form /citoyens/contact/ (issue 20): a visitor who was handed over writes to the service;
the request becomes a ticket of that service, through its connector, with the visitor's consent and contact."""

import dataclasses
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from relais.assistant.models import PublicAssistant
from relais.helpdesk.models import Delivery, OutboxMessage, Status, Ticket
from relais.helpdesk.outbox import deliver_due
from relais.helpdesk.tickets import reply
from relais.knowledge.models import ServiceDesk

pytestmark = pytest.mark.django_db

FORM = {
    "service": "État civil",
    "message": "Je voudrais une copie de mon acte de mariage, mon numéro de sécu est 1 84 12 75 123 456 78.",
    "name": "Claire Dubois",
    "email": "claire.dubois@exemple.fr",
    "phone": "",
    "consent": "1",
}


@pytest.fixture()
def desk(db) -> ServiceDesk:
    return ServiceDesk.objects.create(
        service="État civil", label="Service État civil", phone="01 99 00 41 00",
        opening_hours="du lundi au vendredi : 8 h 30 - 17 h",
    )  # fmt: skip


def send(data: dict, **extra):
    return Client(enforce_csrf_checks=True, **extra).post("/citoyens/contact/", data)


def test_a_visitor_request_becomes_a_ticket_of_the_service_without_any_cookie(desk):
    response = send(FORM)
    assert response.status_code == 200 and not response.cookies
    assert "no-store" in response["Cache-Control"]
    ticket = Ticket.objects.get()
    html = response.content.decode()
    assert f"référence <strong>{ticket.reference}</strong>" in html and "effacés 90 jours" in html
    assert ticket.requester is None and ticket.from_visitor and ticket.service == "État civil"
    assert ticket.visitor_name == "Claire Dubois" and ticket.visitor_email == "claire.dubois@exemple.fr"
    assert ticket.visitor_consent_at is not None and ticket.status == Status.NEW
    # The message is masked like every ticket text; the contact details the visitor gave are kept to answer.
    assert "1 84 12 75 123 456 78" not in ticket.description and "acte de mariage" in ticket.description
    assert ticket.requester_label == "Claire Dubois (usager, via le site de la ville)"


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"consent": ""}, "Cochez la case d&#x27;accord"),
        ({"email": "", "phone": ""}, "Indiquez un courriel ou un téléphone"),
        ({"email": "pas-une-adresse"}, "Cette adresse de courriel n&#x27;est pas valide"),
        ({"email": "", "phone": "appelez-moi"}, "Ce numéro de téléphone n&#x27;est pas valide"),
        ({"name": " "}, "Indiquez votre nom"),
        ({"message": ""}, "Écrivez votre demande."),
    ],
)
def test_an_incomplete_request_is_shown_again_with_a_french_message_and_nothing_is_sent(desk, change, says):
    response = send({**FORM, **change})
    assert response.status_code == 400 and says in response.content.decode()
    assert 'value="Claire Dubois"' in response.content.decode() or change.get("name")  # what was typed stays
    assert not Ticket.objects.exists()


def test_a_phone_alone_is_enough(desk):
    assert send({**FORM, "email": "", "phone": "06 12 34 56 78"}).status_code == 200
    assert Ticket.objects.get().visitor_phone == "06 12 34 56 78"


def test_a_service_without_a_desk_or_without_the_form_refuses(desk):
    assert send({**FORM, "service": "RH"}).status_code == 400  # an internal service is not reachable here
    ServiceDesk.objects.filter(pk=desk.pk).update(contact_form=False)
    response = send(FORM)
    assert response.status_code == 400 and "ne reçoit pas de demandes écrites" in response.content.decode()
    assert not Ticket.objects.exists()


def test_one_address_may_write_a_few_times_a_day(desk, settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, public_contacts_per_address=2)
    assert [send(FORM, REMOTE_ADDR="198.51.100.7").status_code for _ in range(3)] == [200, 200, 429]
    assert send(FORM, REMOTE_ADDR="198.51.100.8").status_code == 200  # another visitor is not affected
    assert Ticket.objects.count() == 3


def test_the_pause_closes_the_form_too(desk):
    PublicAssistant.objects.update_or_create(pk=1, defaults={"paused": True})
    response = send(FORM)
    assert response.status_code == 503 and not Ticket.objects.exists()


def test_the_handler_of_the_service_sees_the_visitor_and_how_to_answer(desk):
    handler = get_user_model().objects.create_user("guichet", password="x-pass-123")
    handler.groups.add(Group.objects.get(name="Traitement État civil"))  # created with the desk
    send({**FORM, "phone": "06 12 34 56 78"})
    client = Client()
    client.force_login(handler)
    queue = client.get("/traitement/").content.decode()
    assert "Claire Dubois (usager, via le site de la ville)" in queue
    page = client.get(f"/traitement/{Ticket.objects.get().pk}/").content.decode()
    assert "Usager (site de la ville)" in page and 'href="mailto:claire.dubois@exemple.fr"' in page
    assert "06 12 34 56 78" in page


def test_the_administrator_sees_the_desks_requests_in_the_queue(desk):
    admin = get_user_model().objects.create_superuser("admin-test", password="x-pass-123")
    send(FORM)
    client = Client()
    client.force_login(admin)
    assert "Claire Dubois" in client.get("/traitement/").content.decode()


def test_through_the_service_mailbox_and_the_reply_by_email_to_the_visitor(desk, smtp, settings):
    settings.RELAIS = dataclasses.replace(
        settings.RELAIS,
        helpdesk_services=(("RH", "builtin"), ("État civil", "email")),
        helpdesk_mailboxes=(("État civil", "etat-civil@ville.example"),),
        smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_timeout=3.0, notify_replies=True,
    )  # fmt: skip
    send(FORM)
    ticket = Ticket.objects.get()
    deliver_due(now=timezone.now() + timedelta(minutes=1))
    ticket.refresh_from_db()
    assert ticket.delivery == Delivery.SENT
    [to_service] = smtp.mailbox.messages
    assert to_service["To"] == "etat-civil@ville.example" and to_service["Reply-To"] == "claire.dubois@exemple.fr"
    body = to_service.get_content()
    assert "Claire Dubois (usager, via le site de la ville)" in body and "effacées de Relais après 90 jours" in body
    handler = get_user_model().objects.create_user("guichet", password="x-pass-123")
    reply(ticket, handler, "Votre copie part par courrier demain.", Status.RESOLVED)
    deliver_due(now=timezone.now() + timedelta(minutes=2))
    to_visitor = smtp.mailbox.messages[-1]
    assert to_visitor["To"] == "claire.dubois@exemple.fr"
    text = to_visitor.get_content()
    assert "Votre copie part par courrier demain." in text and "service État civil" in text
    assert "/demandes/" not in text  # a visitor has no page in Relais
    assert not OutboxMessage.objects.exclude(state="sent").exists()


def test_in_the_widget_frame_the_pages_may_be_framed_by_the_towns_sites(desk, settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, widget_origins=("https://www.ville.example",))
    response = send({**FORM, "integre": "1"})
    assert response.status_code == 200
    assert "frame-ancestors 'self' https://www.ville.example" in response["Content-Security-Policy"]
    assert "site-header" not in response.content.decode()  # the frame's own layout
    plain = send(FORM)
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"]


def test_the_purge_erases_a_visitors_contact_after_its_retention_whatever_the_status(desk, settings):
    from relais.operations.retention import PURGED, purge

    settings.RELAIS = dataclasses.replace(settings.RELAIS, public_contact_retention_days=30)
    send(FORM)
    send({**FORM, "name": "Paul Martin", "email": "paul@exemple.fr"})
    old, recent = Ticket.objects.order_by("pk")
    handler = get_user_model().objects.create_user("guichet", password="x-pass-123")
    reply(old, handler, "Nous vous rappelons demain.", Status.IN_PROGRESS)  # still open: erased all the same
    Ticket.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert purge(dry_run=True).visitor_requests == 1
    report = purge()
    assert report.visitor_requests == 1 and report.as_dict()["visitor_requests"] == 1
    old.refresh_from_db()
    assert (old.visitor_name, old.visitor_email, old.visitor_phone) == ("", "", "")
    assert old.title == old.description == PURGED and not old.messages.exists()
    assert old.service == "État civil" and old.status == Status.IN_PROGRESS  # what the counts need stays
    assert all(m.payload == {} for m in OutboxMessage.objects.filter(ticket=old))
    recent.refresh_from_db()
    assert recent.visitor_name == "Paul Martin"
    assert purge().visitor_requests == 0  # erased once


def test_a_visitors_request_is_neither_an_agents_ticket_nor_an_agents_gap(desk):
    """The agents' measure (tickets after an answer) and their documentation gaps leave visitors' requests out."""
    from relais.insights import gaps
    from relais.insights.measure import Period, ticket_rows

    agent = get_user_model().objects.create_user("agent-x", password="x-pass-123")
    Ticket.objects.create(requester=agent, service="RH", title="Badge perdu", description="Mon badge est perdu.")
    send(FORM)
    today = timezone.localdate()
    assert [row.service for row in ticket_rows(today, today)] == ["RH"]
    items = gaps._unsettled_items(Period(today, today), [], [])
    assert [item.service for item in items] == ["RH"]
