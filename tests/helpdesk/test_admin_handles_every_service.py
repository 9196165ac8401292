"""`admin` has all rights (README): a superuser handles every service's tickets (issue 19, item 6).

The demo's own `admin` account is checked by tests/test_access_matrix.py (/traitement/ and a DSI ticket: 200).
"""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.accounts.roles import handled_services, services
from relais.helpdesk.models import Status
from relais.helpdesk.tickets import open_ticket

pytestmark = pytest.mark.django_db


def test_a_superuser_handles_every_service_and_answers_its_tickets():
    users = get_user_model().objects
    admin = users.create_superuser("admin.mairie", password="x")
    agent = users.create_user("agent.mairie", password="x")
    assert handled_services(admin) == services() and set(services()) >= {"RH", "DSI"}
    assert handled_services(agent) == []
    tickets = [
        open_ticket(agent, title=f"Demande {s}", description="…", service=s, category="", urgency=2, exchange=None)
        for s in ("RH", "DSI")
    ]
    client = Client()
    client.force_login(admin)
    queue = client.get("/traitement/")
    assert queue.status_code == 200
    assert all(ticket.reference in queue.content.decode() for ticket in tickets)
    answered = client.post(f"/traitement/{tickets[1].pk}/", {"body": "C'est fait.", "status": "resolu"})
    assert answered.status_code == 302
    tickets[1].refresh_from_db()
    assert tickets[1].status == Status.RESOLVED
