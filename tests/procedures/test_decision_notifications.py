"""An ordre de mission's decisions reach the agent in Relais: an unread mark on the request, in « Mes démarches »
and on the « Notifications » page, whether or not the e-mail goes out; opening the request reads it."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.config import Config
from relais.helpdesk.models import Notification
from tests.procedures.factories import submitted_mission

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

PASSWORD = "valdebrume-demo"


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html.unescape(response.content.decode())).split())


def agent_notifications():
    return Notification.objects.filter(user__username="agent.demo").order_by("pk")


@pytest.mark.parametrize("emails", [True, False])
def test_each_decision_marks_the_request_for_the_agent_until_they_open_it(settings, emails):
    from django.conf import settings as django_settings

    settings.RELAIS = Config(**{**django_settings.RELAIS.__dict__, "notify_replies": emails})
    agent = client_for("agent.demo")
    run = submitted_mission(get_user_model().objects.get(username="agent.demo"))
    assert not agent_notifications().exists()

    client_for("responsable.mediatheque").post(f"/demarches/{run.pk}/decision/", {"decision": "approuver"})
    [forwarded] = agent_notifications()
    assert forwarded.kind == Notification.Kind.FORWARDED and forwarded.subject == run
    assert (forwarded.email is not None) == emails
    assert f"Votre demande {run.reference} « " in words(agent.get("/notifications/"))
    assert "a été approuvée et transmise à l'étape suivante" in words(agent.get("/notifications/"))
    assert "nouveau : non lu" in words(agent.get("/demarches/"))
    assert "Notifications (1 non lue)" in words(agent.get("/demarches/"))

    agent.get(f"/demarches/{run.pk}/")  # opening the request reads its notifications
    forwarded.refresh_from_db()
    assert forwarded.read_at is not None and "nouveau : non lu" not in words(agent.get("/demarches/"))

    client_for("referent.rh").post(f"/demarches/{run.pk}/decision/", {"decision": "approuver"})
    assert agent_notifications().last().kind == Notification.Kind.APPROVED
    assert "a été validée" in words(agent.get("/notifications/"))


def test_a_refusal_marks_the_request_refused():
    agent = client_for("agent.demo")
    run = submitted_mission(get_user_model().objects.get(username="agent.demo"))
    client_for("responsable.mediatheque").post(
        f"/demarches/{run.pk}/decision/", {"decision": "refuser", "comment": "Formation reportée en juin"}
    )
    [refused] = agent_notifications()
    assert refused.kind == Notification.Kind.REJECTED and refused.read_at is None
    opened = agent.get(f"/notifications/{refused.pk}/")
    assert opened["Location"] == f"/demarches/{run.pk}/"
    refused.refresh_from_db()
    assert refused.read_at is not None
