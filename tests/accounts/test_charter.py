"""The AI charter: accepted before first use and again after each new version; rendered safely."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from relais.accounts.charter import current_charter, needs_acceptance, publish_charter_file, render_charter
from relais.accounts.models import ApiToken, Charter, CharterAcceptance

pytestmark = pytest.mark.django_db


@pytest.fixture()
def agent():
    user = get_user_model().objects.create_user("agent", password="secret-pass-1")
    client = Client()
    client.login(username="agent", password="secret-pass-1")
    return user, client


def test_no_charter_published_means_nothing_to_accept(agent):
    user, client = agent
    assert not needs_acceptance(user)
    assert client.get("/").status_code == 200


def test_charter_must_be_accepted_before_first_use_and_after_each_new_version(agent):
    user, client = agent
    Charter.objects.create(title="Charte", body="Vérifiez les sources.")
    response = client.get("/conversations/1/")
    assert response.status_code == 302 and response["Location"] == "/charte/?next=/conversations/1/"
    page = client.get("/charte/").content.decode()
    assert "Vérifiez les sources." in page and "J'ai lu la charte et je l'accepte" in page
    response = client.post("/charte/", {"next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    acceptance = CharterAcceptance.objects.get()
    assert acceptance.user == user and acceptance.charter.version == 1 and acceptance.accepted_at
    assert client.get("/").status_code == 200

    Charter.objects.create(title="Charte", body="Nouvelle règle : pas de données de santé.")
    assert current_charter().version == 2 and needs_acceptance(user)
    assert client.get("/").status_code == 302
    client.post("/charte/")
    assert CharterAcceptance.objects.filter(user=user).count() == 2 and client.get("/").status_code == 200


def test_api_refuses_until_the_charter_is_accepted(agent):
    user, client = agent
    Charter.objects.create(title="Charte", body="…")
    _, raw = ApiToken.objects.create_for(user, "script")
    token_client = Client(headers={"Authorization": f"Bearer {raw}"})
    response = token_client.post("/api/v1/ask", json.dumps({"question": "VPN ?"}), content_type="application/json")
    assert response.status_code == 403 and "charte" in response.json()["detail"]
    session = client.post("/api/v1/ask", json.dumps({"question": "VPN ?"}), content_type="application/json")
    assert session.status_code == 403 and "charte" in session.json()["detail"]


def test_next_cannot_send_the_user_to_another_site(agent):
    _, client = agent
    Charter.objects.create(title="Charte", body="…")
    response = client.post("/charte/", {"next": "https://phishing.example/"})
    assert response["Location"] == "/"


def test_publishing_a_file_is_idempotent(tmp_path):
    path = tmp_path / "charte.md"
    path.write_text("# Charte de test\n\nPremier texte.\n", encoding="utf-8")
    first = publish_charter_file(path)
    assert (first.title, first.body, first.version) == ("Charte de test", "Premier texte.", 1)
    assert publish_charter_file(path).pk == first.pk
    path.write_text("# Charte de test\n\nSecond texte.\n", encoding="utf-8")
    assert publish_charter_file(path).version == 2


def test_charter_html_is_sanitised():
    html = render_charter("## Règles\n\n- pas de NIR\n\n<script>alert(1)</script><a href='javascript:x'>lien</a>")
    assert "<h2>Règles</h2>" in html and "<li>pas de NIR</li>" in html
    assert "<script" not in html and "javascript:" not in html


def test_login_is_locked_after_five_failures_for_that_user_and_address(settings):
    settings.AXES_ENABLED = True
    get_user_model().objects.create_user("cible", password="bon-mot-de-passe-1")
    client = Client()
    statuses = [client.post("/connexion/", {"username": "cible", "password": "faux"}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    locked = client.post("/connexion/", {"username": "cible", "password": "bon-mot-de-passe-1"})
    assert locked.status_code == 429 and "Connexion temporairement bloquée" in locked.content.decode()
    other = Client(REMOTE_ADDR="10.0.0.9")  # another agent's address is not locked out
    assert other.post("/connexion/", {"username": "cible", "password": "bon-mot-de-passe-1"}).status_code == 302


def test_a_service_account_accepts_the_charter_from_the_command_line(capsys):
    user = get_user_model().objects.create_user("script.paie")
    Charter.objects.create(title="Charte", body="…")
    assert needs_acceptance(user)
    call_command("users", "accept-charter", "script.paie")
    assert not needs_acceptance(user) and "accepted charter version 1" in capsys.readouterr().out
