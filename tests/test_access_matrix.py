"""Every role × every page and API endpoint → the expected status (the charter issue's access matrix)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.assistant.models import Exchange
from relais.assistant.pipeline import ask
from relais.diagnostic.models import Service
from relais.helpdesk.models import Notification, Status
from relais.helpdesk.notifications import notify
from relais.helpdesk.tickets import open_ticket
from relais.knowledge.models import Document
from tests.procedures.factories import submitted_mission

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

ROLES = ["anonyme", "agent.demo", "referent.rh", "referent.dsi", "pilotage.demo", "dpo.demo", "admin"]
LOGIN = 302  # sent to the login page


@pytest.fixture()
def objects():
    """One conversation, one DSI ticket and one ordre de mission (awaiting the manager) of the agent, one document."""
    agent = get_user_model().objects.get(username="agent.demo")
    result = ask("Comment configurer le VPN ?", user=agent)
    ticket = open_ticket(
        agent, title="VPN", description="…", service="DSI", category="", urgency=3, exchange=result.exchange
    )
    return {
        "conversation": result.conversation.pk,
        "exchange": result.exchange.pk,
        "ticket": ticket.pk,
        "document": Document.objects.first().pk,
        "run": submitted_mission(agent).pk,
        "diagnostic_rh": Service.objects.get(name="RH").pk,
        "notification": notify(agent, Notification.Kind.STATUS, ticket, status=Status.IN_PROGRESS).pk,
    }


# path template → expected status per role, in ROLES order
MATRIX = {
    "/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/conversations/{conversation}/": [LOGIN, 200, 404, 404, 404, 404, 404],
    "/conversations/{conversation}/renommer/": [LOGIN, 200, 404, 404, 404, 404, 404],
    "/conversations/{conversation}/supprimer/": [LOGIN, 200, 404, 404, 404, 404, 404],  # a confirmation page
    "/echanges/{exchange}/transmettre/": [LOGIN, 200, 404, 404, 404, 404, 404],
    "/documents/{document}/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/documents/{document}/fichier/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/charte/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/traitement/": [LOGIN, 403, 200, 200, 403, 403, 200],  # admin (superuser) handles every service
    "/traitement/{ticket}/": [LOGIN, 403, 404, 200, 403, 403, 200],
    # The agent's own tickets and notifications: nobody else's, administrators included (404).
    "/demandes/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/demandes/{ticket}/": [LOGIN, 200, 404, 404, 404, 404, 404],
    "/notifications/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/notifications/{notification}/": [LOGIN, 302, 404, 404, 404, 404, 404],
    "/notifications/tout-lu/": [LOGIN, 405, 405, 405, 405, 405, 405],  # a POST
    "/notifications/courriels/": [LOGIN, 200, 200, 200, 200, 200, 200],  # each their own, all for admin
    "/referents/": [LOGIN, 403, 302, 302, 403, 403, 200],  # a référent goes straight to their service
    "/referents/RH/": [LOGIN, 403, 200, 403, 403, 403, 200],
    # The citizens' assistant: anonymous, the same for everyone; the agents' documents never shown there.
    "/citoyens/": [200, 200, 200, 200, 200, 200, 200],
    "/citoyens/documents/{document}/": [404, 404, 404, 404, 404, 404, 404],
    "/admin/": [LOGIN, LOGIN, 200, 200, 200, 200, 200],
    "/admin/knowledge/document/": [LOGIN, LOGIN, 200, 200, 403, 403, 200],
    "/admin/knowledge/faqentry/": [LOGIN, LOGIN, 200, 200, 403, 403, 200],
    "/admin/assistant/exchange/": [LOGIN, LOGIN, 200, 200, 200, 403, 200],
    "/admin/assistant/exchange/{exchange}/change/": [LOGIN, LOGIN, 200, 200, 200, 403, 200],
    "/admin/assistant/feedback/": [LOGIN, LOGIN, 200, 200, 200, 403, 200],
    "/admin/auth/user/": [LOGIN, LOGIN, 403, 403, 403, 403, 200],
    "/admin/accounts/charter/": [LOGIN, LOGIN, 403, 403, 403, 200, 200],
    "/admin/accounts/apitoken/": [LOGIN, LOGIN, 403, 403, 403, 403, 200],
    "/admin/helpdesk/ticket/": [LOGIN, LOGIN, 403, 403, 403, 403, 200],
    "/admin/insights/servicebaseline/": [LOGIN, LOGIN, 200, 200, 200, 403, 200],
    "/pilotage/": [
        LOGIN,
        403,
        200,
        200,
        200,
        403,
        200,
    ],  # also the « Pilotage » group: tests/insights/test_dashboard.py
    "/pilotage/lacunes/": [LOGIN, 403, 200, 200, 200, 403, 200],
    "/pilotage/export/usage-par-service.csv": [LOGIN, 403, 200, 200, 200, 403, 200],
    "/admin/audit/auditevent/": [LOGIN, LOGIN, 403, 403, 403, 200, 200],
    "/admin/accounts/charteracceptance/": [LOGIN, LOGIN, 403, 403, 403, 200, 200],
    "/admin/assistant/usagecounter/": [LOGIN, LOGIN, 403, 403, 403, 200, 200],
    "/admin/assistant/answermodelfit/": [LOGIN, LOGIN, 403, 403, 403, 403, 200],  # `relais answers fit`
    # Guided procedures: the agent's request is seen by the agent and by RH (its service) — admin handles every
    # service — and decided by the manager.
    "/demarches/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/demarches/a-valider/": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/demarches/{run}/": [LOGIN, 200, 200, 404, 404, 404, 200],
    "/demarches/{run}/demande.pdf": [LOGIN, 200, 200, 404, 404, 404, 200],
    "/demarches/{run}/decision/": [LOGIN, 302, 302, 404, 404, 404, 302],
    "/admin/procedures/procedure/": [LOGIN, LOGIN, 200, 200, 403, 403, 200],
    "/admin/procedures/run/": [LOGIN, LOGIN, 200, 200, 403, 403, 200],
    # The digital diagnosis: each service's référents fill theirs, the « Pilotage » group and admins see all.
    "/diagnostic/": [LOGIN, 403, 200, 200, 200, 403, 200],
    "/diagnostic/opportunites/": [LOGIN, 403, 200, 200, 200, 403, 200],
    "/diagnostic/taches.csv": [LOGIN, 403, 200, 200, 200, 403, 200],
    "/diagnostic/rapport.html": [LOGIN, 403, 403, 403, 200, 403, 200],
    "/diagnostic/services/{diagnostic_rh}/": [LOGIN, 403, 200, 404, 200, 403, 200],
    "/diagnostic/services/{diagnostic_rh}/taches/ajouter/": [LOGIN, 403, 200, 404, 403, 403, 200],
    "/admin/diagnostic/task/": [LOGIN, LOGIN, 403, 403, 403, 403, 200],
    "/api/v1/conversations": [401, 200, 200, 200, 200, 200, 200],
    "/api/v1/conversations/{conversation}": [401, 200, 404, 404, 404, 404, 404],
    "/api/v1/openapi.json": [401, 200, 200, 200, 200, 200, 200],  # its documentation too: signed-in users only
    "/api/v1/docs": [LOGIN, 200, 200, 200, 200, 200, 200],
    "/connexion/": [200, 302, 302, 302, 302, 302, 302],  # signed-in users are sent on to the chat
}


def client_for(role: str) -> Client:
    client = Client()
    if role != "anonyme":
        assert client.login(username=role, password="valdebrume-demo")
    return client


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, objects):
    client = client_for(role)
    wrong = {}
    for template, statuses in MATRIX.items():
        path = template.format(**objects)
        expected = statuses[ROLES.index(role)]
        status = client.get(path).status_code
        if status != expected:
            wrong[path] = (status, expected)
    assert wrong == {}, f"{role}: path → (got, expected)"


def test_posting_as_another_role_is_refused(objects):
    exchange = Exchange.objects.get(pk=objects["exchange"])
    for role in ["referent.rh", "referent.dsi", "admin"]:
        client = client_for(role)
        assert client.post(f"/echanges/{exchange.pk}/avis/", {"rating": "up"}).status_code == 404
    assert client_for("referent.rh").post(f"/traitement/{objects['ticket']}/", {"status": "clos"}).status_code == 404
