"""The HTTP API /api/v1/: token and session authentication, ask, feedback, conversations, schema."""

import dataclasses
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from relais.accounts.models import ApiToken
from relais.assistant.models import Exchange, Feedback
from relais.knowledge.models import Document

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

ANSWER_KEYS = {
    "answer", "citations", "confidence", "mode", "needs_check", "faq_question", "contact", "suggestions",
    "exchange_id", "conversation_id", "notice", "procedure",
}  # fmt: skip


def token_for(username: str) -> str:
    _, raw = ApiToken.objects.create_for(get_user_model().objects.get(username=username), "tests")
    return raw


@pytest.fixture()
def api():
    return Client(headers={"Authorization": f"Bearer {token_for('agent.demo')}"})


def post(client, path, payload):
    return client.post(path, json.dumps(payload), content_type="application/json")


def test_requests_without_credentials_are_refused(client):
    assert post(client, "/api/v1/ask", {"question": "VPN ?"}).status_code == 401
    bad = Client(headers={"Authorization": "Bearer rls_nope"})
    assert post(bad, "/api/v1/ask", {"question": "VPN ?"}).status_code == 401


def test_ask_with_a_token(api):
    response = post(api, "/api/v1/ask", {"question": "Comment demander un ordre de mission ?"})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == ANSWER_KEYS and data["mode"] == "faq" and data["needs_check"] is False
    assert data["faq_question"] == "Comment demander un ordre de mission ?"  # the entry's, shown with its answer
    assert data["citations"][0]["document"].startswith("Ordre de mission")
    # A citation's source is the document's page in Relais, never the file's path on the server.
    for citation in data["citations"]:
        assert citation["source"] == f"/documents/{citation['document_id']}/"
        path = Document.objects.get(pk=citation["document_id"]).source
        assert path.startswith("/") and path not in response.content.decode()
    exchange = Exchange.objects.get(pk=data["exchange_id"])
    assert exchange.user.username == "agent.demo" and exchange.conversation_id == data["conversation_id"]
    # Asking how to request one offers the guided procedure too, with where to start it.
    assert data["procedure"] == {
        "slug": "ordre-de-mission",
        "title": "Demande d'ordre de mission",
        "service": "RH",
        "start_url": "/demarches/commencer/ordre-de-mission/",
    }
    vpn = post(api, "/api/v1/ask", {"question": "Comment configurer le VPN ?"}).json()
    assert vpn["procedure"] is None


def test_an_unsure_answer_is_marked_to_check_in_the_answer_and_the_history(api, settings):
    question = {"question": "Le billet de train est-il remboursé en première classe ?"}
    data = post(api, "/api/v1/ask", question).json()
    assert data["mode"] == "extractive" and 0.5 <= data["confidence"] < 0.8 and data["needs_check"] is True
    assert data["faq_question"] == ""
    history = api.get(f"/api/v1/conversations/{data['conversation_id']}").json()
    assert history["exchanges"][0]["needs_check"] is True
    assert [c["source"] for c in history["exchanges"][0]["citations"]] == [c["source"] for c in data["citations"]]
    assert all(c["source"].startswith("/documents/") for c in data["citations"]) and data["citations"]
    settings.RELAIS = dataclasses.replace(settings.RELAIS, verify_below=0.5)  # a town that trusts it more
    assert post(api, "/api/v1/ask", question).json()["needs_check"] is False
    # The history keeps what the agent was shown then.
    history = api.get(f"/api/v1/conversations/{data['conversation_id']}").json()
    assert history["exchanges"][0]["needs_check"] is True


def test_follow_up_through_the_api_uses_the_conversation(api):
    first = post(api, "/api/v1/ask", {"question": "Combien de jours de télétravail par semaine ?"}).json()
    second = post(
        api, "/api/v1/ask", {"question": "et pour les contractuels ?", "conversation_id": first["conversation_id"]}
    )
    assert second.status_code == 200 and second.json()["conversation_id"] == first["conversation_id"]
    detail = api.get(f"/api/v1/conversations/{first['conversation_id']}").json()
    assert [e["question"] for e in detail["exchanges"]] == [
        "Combien de jours de télétravail par semaine ?",
        "et pour les contractuels ?",
    ]
    listing = api.get("/api/v1/conversations").json()
    assert any(c["id"] == first["conversation_id"] and c["exchanges"] == 2 for c in listing)


def test_abstention_through_the_api(api):
    data = post(api, "/api/v1/ask", {"question": "Quel est le menu de la cantine demain ?"}).json()
    assert data["mode"] == "none" and data["citations"] == [] and "poste" in data["contact"]


def test_token_in_x_api_key_and_revocation():
    raw = token_for("agent.demo")
    client = Client(headers={"X-API-Key": raw})
    assert post(client, "/api/v1/ask", {"question": "Comment configurer le VPN ?"}).status_code == 200
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert post(client, "/api/v1/ask", {"question": "Comment configurer le VPN ?"}).status_code == 401


def test_session_authentication_requires_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    client.login(username="agent.demo", password="valdebrume-demo")
    refused = post(client, "/api/v1/ask", {"question": "VPN ?"})
    assert refused.status_code == 403 and refused.json()["detail"].startswith("Vérification CSRF échouée")
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/api/v1/ask",
        json.dumps({"question": "VPN ?"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "payload",
    [{}, {"question": ""}, {"question": "x" * 1001}, {"question": "VPN ?", "conversation_id": "abc"}],
)
def test_invalid_requests_get_422_with_a_readable_detail(api, payload):
    response = post(api, "/api/v1/ask", payload)
    assert response.status_code == 422
    assert response.json()["detail"] == "Requête invalide : vérifiez les champs indiqués."


def test_blank_question_is_rejected(api):
    response = post(api, "/api/v1/ask", {"question": "   "})
    assert response.status_code == 422 and response.json()["detail"] == "La question est vide."


def test_feedback_and_ownership(api):
    data = post(api, "/api/v1/ask", {"question": "Comment configurer le VPN ?"}).json()
    response = post(
        api, f"/api/v1/exchanges/{data['exchange_id']}/feedback", {"rating": "down", "reason": "incomplete"}
    )
    assert response.status_code == 200 and response.json()["reason"] == "incomplete"
    assert Feedback.objects.get(exchange_id=data["exchange_id"]).rating == "down"
    other = Client(headers={"Authorization": f"Bearer {token_for('referent.rh')}"})
    assert post(other, f"/api/v1/exchanges/{data['exchange_id']}/feedback", {"rating": "up"}).status_code == 404
    assert other.get(f"/api/v1/conversations/{data['conversation_id']}").status_code == 404
    assert post(api, f"/api/v1/exchanges/{data['exchange_id']}/feedback", {"rating": "meh"}).status_code == 422


def test_openapi_schema_describes_the_endpoints(api):
    schema = api.get("/api/v1/openapi.json").json()
    assert {"/api/v1/ask", "/api/v1/exchanges/{exchange_id}/feedback", "/api/v1/conversations"} <= set(schema["paths"])
    assert "AnswerOut" in schema["components"]["schemas"]
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth", "TokenHeaderAuth", "SessionAuth"}
    assert api.get("/api/v1/docs").status_code == 200


def test_cli_json_has_the_api_shape(capsys):
    call_command("ask", "Comment configurer le VPN ?", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) == ANSWER_KEYS and data["citations"]
    assert all(c["source"] == f"/documents/{c['document_id']}/" for c in data["citations"])


def test_every_endpoint_is_documented(api):
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    schema = api.get("/api/v1/openapi.json").json()
    for path, operations in schema["paths"].items():
        for method in operations:
            documented = path.replace("{exchange_id}", "{id}").replace("{conversation_id}", "{id}")
            assert f"`{method.upper()} {documented}" in docs, f"{method.upper()} {path} missing from docs/api.md"


def test_api_ask_is_rate_limited(api, settings):
    from dataclasses import replace

    # The counts live in the shared database cache (operations.CacheEntry): the test's rollback empties it.
    settings.RELAIS = replace(settings.RELAIS, ask_rate_per_user=1)
    assert post(api, "/api/v1/ask", {"question": "Comment configurer le VPN ?"}).status_code == 200
    response = post(api, "/api/v1/ask", {"question": "Comment configurer le VPN ?"})
    assert response.status_code == 429 and "Patientez une minute" in response.json()["detail"]
