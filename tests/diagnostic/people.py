"""The people of the diagnosis' page tests: one référent of RH, a digital lead, an agent, an administrator; and the
access-matrix check both page suites run."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client

from relais.accounts.roles import PILOTAGE
from relais.diagnostic.models import Service

User = get_user_model()
ROLES = ["anonyme", "agent.demo", "referent.rh", "pilotage.demo", "admin"]
LOGIN, DENIED = 302, 403


def create_people(rh: Service) -> None:
    rh.referents.add(User.objects.create_user("referent.rh", password="x"))
    lead = User.objects.create_user("pilotage.demo", password="x")
    lead.groups.add(Group.objects.get_or_create(name=PILOTAGE)[0])
    User.objects.create_user("agent.demo", password="x")
    User.objects.create_superuser("admin", password="x")


def client_for(username: str | None) -> Client:
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
    return client


def wrong_statuses(role: str, matrix: dict[str, list[int]], ids: dict[str, int]) -> dict[str, tuple[int, int]]:
    """path → (status got, status expected) for every page of ``matrix`` where ``role`` does not get what it should."""
    client = client_for(None if role == "anonyme" else role)
    wrong = {}
    for template, statuses in matrix.items():
        path = template.format(**ids)
        status = client.get(path).status_code
        if status != statuses[ROLES.index(role)]:
            wrong[path] = (status, statuses[ROLES.index(role)])
    return wrong
