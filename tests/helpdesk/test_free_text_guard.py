"""Every free text Relais stores goes through the personal-data guard: feedback comments, tickets, handlers'
replies, procedure answers, approval comments. Each test submits the real form (or API call) and reads the row.

A feedback comment is masked for every type of personal data; the other texts for what the charter keeps out
of the tool (NIR, IBAN, card, password, health: ``NEVER_STORED``), keeping phones, e-mails and addresses.
"""

import html
import json

import pytest
from django.test import Client

from relais.accounts.models import ApiToken
from relais.assistant.feedback import record_feedback
from relais.assistant.models import Feedback
from relais.config import Config
from relais.engine.procedures import filling
from relais.helpdesk.models import OutboxMessage, Status, Ticket, TicketMessage
from relais.helpdesk.tickets import open_ticket
from relais.procedures.models import Approval, Run
from tests.helpdesk.smtp_peer import SmtpPeer
from tests.helpdesk.test_tickets import ask, client_for, user
from tests.procedures.dates import mission_dates, period

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

NIR = "1 85 05 78 006 084 92"  # a wrong key: masked by its shape
IBAN = "FR76 3000 6000 0112 3456 7890 189"
CARD = "4111 1111 1111 1111"
PHONE = "06 12 34 56 78"
SECRETS = (NIR, IBAN, CARD, "Soleil2024", "dépression")


def email_settings(settings, smtp: SmtpPeer) -> None:
    settings.RELAIS = Config(
        **{
            **settings.RELAIS.__dict__,
            "helpdesk_services": (("RH", "email"), ("DSI", "builtin")),
            "helpdesk_mailboxes": (("RH", "rh@valdebrume.example"),),
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_timeout": 3.0,
            "notify_replies": True,
        }
    )


def nothing_secret_in(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text, (secret, text)


# --- feedback ---------------------------------------------------------------------------------------------------


def test_a_feedback_comment_is_stored_masked():
    agent = client_for("agent.demo")
    exchange = ask(agent, "Comment configurer le VPN ?")
    comment = f"Réponse fausse. Mon NIR {NIR}, rappelez-moi au {PHONE}, mdp : Soleil2024"
    response = agent.post(f"/echanges/{exchange.pk}/avis/", {"rating": "down", "reason": "autre", "comment": comment})
    assert response.status_code == 302
    stored = Feedback.objects.get(exchange=exchange).comment
    assert stored == "Réponse fausse. Mon NIR [NIR], rappelez-moi au [TÉLÉPHONE], mdp : [MOT DE PASSE]"
    page = html.unescape(agent.get(f"/conversations/{exchange.conversation_id}/").content.decode())
    nothing_secret_in(page)
    assert PHONE not in page


def test_the_api_feedback_function_masks_the_comment():
    """What the API's feedback endpoint has to call (api.py is not changed here): see the test below."""
    exchange = ask(client_for("agent.demo"), "Comment configurer le VPN ?")
    feedback = record_feedback(exchange, user("agent.demo"), rating="up", reason="autre", comment=f"IBAN {IBAN}")
    assert (feedback.comment, feedback.reason) == ("IBAN [IBAN]", "")
    assert Feedback.objects.get(exchange=exchange).comment == "IBAN [IBAN]"


def test_a_feedback_comment_sent_through_the_api_is_stored_masked():
    _, token = ApiToken.objects.create_for(user("agent.demo"), "tests")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    exchange = ask(client_for("agent.demo"), "Comment configurer le VPN ?")
    api.post(
        f"/api/v1/exchanges/{exchange.pk}/feedback",
        json.dumps({"rating": "down", "reason": "autre", "comment": f"Mon NIR {NIR}"}),
        content_type="application/json",
    )
    assert Feedback.objects.get(exchange=exchange).comment == "Mon NIR [NIR]"


# --- tickets and replies ----------------------------------------------------------------------------------------


def test_a_ticket_is_stored_and_sent_masked_keeping_what_a_service_may_need(settings, smtp):
    email_settings(settings, smtp)
    agent = client_for("agent.demo")
    exchange = ask(agent, "Combien de jours de congés annuels ai-je ?")
    response = agent.post(
        f"/echanges/{exchange.pk}/transmettre/",
        {
            "title": "Virement sur FR76 3000 6000 0112 3456 7890 189",
            "description": f"Mon NIR est {NIR}, ma carte {CARD}. Je suis en arrêt pour dépression. "
            f"Joignable au {PHONE} ; j'habite 12 rue des Lilas 69003 Lyon.",
            "service": "RH",
            "category": "",
            "urgency": 3,
        },
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.title == "Virement sur [IBAN]"
    assert ticket.description == (
        "Mon NIR est [NIR], ma carte [CARTE]. Je suis en arrêt pour [SANTÉ]. "
        f"Joignable au {PHONE} ; j'habite 12 rue des Lilas 69003 Lyon."
    )
    # What the service's mailbox receives is the masked text.
    [outbox] = OutboxMessage.objects.filter(ticket=ticket)
    nothing_secret_in(json.dumps(outbox.payload, ensure_ascii=False))
    [mail] = smtp.mailbox.messages
    nothing_secret_in(mail["Subject"], mail.get_content())
    assert "[NIR]" in mail.get_content() and PHONE in mail.get_content()
    handler_page = html.unescape(client_for("referent.rh").get(f"/traitement/{ticket.pk}/").content.decode())
    nothing_secret_in(handler_page)


def test_a_handlers_reply_is_stored_and_notified_masked(settings, smtp):
    email_settings(settings, smtp)
    exchange = ask(client_for("agent.demo"), "Comment configurer le VPN ?")
    ticket = open_ticket(
        user("agent.demo"), title="VPN", description="Ça ne marche pas", service="DSI", category="", urgency=3,
        exchange=exchange,
    )  # fmt: skip
    dsi = client_for("referent.dsi")
    body = f"Votre mot de passe provisoire : Xy7#kP2q. Appelez le {PHONE} si besoin."
    assert dsi.post(f"/traitement/{ticket.pk}/", {"body": body, "status": Status.IN_PROGRESS}).status_code == 302
    message = TicketMessage.objects.get(ticket=ticket)
    assert message.body == f"Votre mot de passe provisoire : [MOT DE PASSE]. Appelez le {PHONE} si besoin."
    notification = OutboxMessage.objects.filter(ticket=ticket, kind=OutboxMessage.Kind.NOTIFY).latest("pk")
    assert "Xy7#kP2q" not in notification.payload["body"] and "[MOT DE PASSE]" in notification.payload["body"]
    [mail] = smtp.mailbox.messages  # the e-mail the agent receives
    assert mail["To"] == "camille.martin@valdebrume.example"
    assert "Xy7#kP2q" not in mail.get_content() and "[MOT DE PASSE]" in mail.get_content()


def test_every_way_to_save_a_ticket_is_guarded():
    """The guard sits in the models: a ticket or a message saved by any code (admin, a future API) is masked."""
    agent = user("agent.demo")
    ticket = Ticket.objects.create(requester=agent, service="RH", title="x", description=f"IBAN {IBAN}")
    assert Ticket.objects.get(pk=ticket.pk).description == "IBAN [IBAN]"
    ticket.description = f"Carte {CARD}"
    ticket.save(update_fields=["description"])
    assert Ticket.objects.get(pk=ticket.pk).description == "Carte [CARTE]"
    TicketMessage.objects.create(ticket=ticket, author=agent, body=f"NIR {NIR}")
    assert TicketMessage.objects.get(ticket=ticket).body == "NIR [NIR]"
    # A placeholder longer than the secret never makes a title too long for its column.
    title = "a" * 190 + " mdp : Ab1!"
    ticket = Ticket.objects.create(requester=agent, service="RH", title=title, description="…")
    assert len(Ticket.objects.get(pk=ticket.pk).title) <= 200 and "Ab1!" not in ticket.title


# --- guided procedures --------------------------------------------------------------------------------------------


def test_procedure_answers_mask_what_no_field_needs_and_keep_the_rest():
    start, end = mission_dates()
    agent = client_for("agent.demo")
    exchange = ask(agent, f"je dois faire un ordre de mission pour une formation à Lyon {period(start, end)}")
    agent.post(f"/demarches/commencer/{exchange.offered_procedure.slug}/", {"exchange": exchange.pk})
    run = Run.objects.latest("pk")
    spec = filling.next_field(run.spec(), run.values)
    assert spec.name == "intitule" and spec.type == "text"
    typed = f"Formation Camille Martin, NIR {NIR}, joignable au {PHONE}, 12 rue des Lilas 69003 Lyon"
    assert agent.post(f"/demarches/{run.pk}/", {"answer": typed}).status_code == 302
    run.refresh_from_db()
    assert run.values["intitule"] == (
        f"Formation Camille Martin, NIR [NIR], joignable au {PHONE}, 12 rue des Lilas 69003 Lyon"
    )
    assert run.values["destination"] == "Lyon" and run.values["date_depart"] == start.isoformat()
    # The one-page form goes through the same parsing.
    agent.post(f"/demarches/{run.pk}/modifier/intitule/", {"answer": "Stage, mdp : Soleil2024"})
    run.refresh_from_db()
    assert run.values["intitule"] == "Stage, mdp : [MOT DE PASSE]"


def test_an_approval_comment_and_a_failed_step_are_masked():
    from tests.procedures.factories import submitted_mission

    run = submitted_mission(user("agent.demo"))
    manager = client_for("responsable.mediatheque")
    manager.post(
        f"/demarches/{run.pk}/decision/",
        {"decision": "refuser", "comment": f"L'IBAN {IBAN} donné est faux, et je suis en arrêt pour dépression"},
    )
    approval = Approval.objects.get(run=run, position=0)
    assert approval.comment == "L'IBAN [IBAN] donné est faux, et je suis en arrêt pour [SANTÉ]"
    assert approval.decision == "refusee"
    last = OutboxMessage.objects.filter(ticket=None, payload__reference=run.reference).latest("pk")
    assert IBAN not in last.payload["body"] and "[IBAN]" in last.payload["body"]

    agent = client_for("agent.demo")
    exchange = ask(agent, "première connexion au poste de travail, comment faire ?")
    agent.post(f"/demarches/commencer/{exchange.offered_procedure.slug}/", {"exchange": exchange.pk})
    checklist = Run.objects.latest("pk")
    for answer in ("fait", "echec"):
        agent.post(f"/demarches/{checklist.pk}/", {"answer": answer})
    agent.post(f"/demarches/{checklist.pk}/etape-en-echec/", {"details": "Mon mot de passe est Soleil2024, refusé"})
    checklist.refresh_from_db()
    ticket = Ticket.objects.get(pk=checklist.ticket_id)
    assert "Précisions de l'agent : Mon mot de passe est [MOT DE PASSE], refusé" in ticket.description
    assert "Choisir le mot de passe" in ticket.title  # the step's name is no secret
