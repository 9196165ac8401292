"""The API's edges, from an attack campaign: who may call it and read its schema, and that every refusal is JSON
in French (401 without credentials, 403 only once signed in, 413, 422 with each field's error) with nothing
stored. No demo knowledge: these tests run on an empty base (test_api.py covers the answers themselves)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import RequestDataTooBig
from django.test import Client, RequestFactory
from django.urls import resolve

from relais.accounts.models import ApiToken, Charter
from relais.assistant.api import LimitedParser
from relais.assistant.models import Conversation, Exchange, Feedback

pytestmark = pytest.mark.django_db

ENGLISH = ("Field required", "Input should", "String should", "Unauthorized", "CSRF check Failed", "Not Found")


@pytest.fixture()
def agent():
    return get_user_model().objects.create_user("agent.test", password="mot-de-passe-de-test")


@pytest.fixture()
def token(agent):
    return ApiToken.objects.create_for(agent, "tests")[1]


@pytest.fixture()
def api(token):
    return Client(headers={"Authorization": f"Bearer {token}"}, enforce_csrf_checks=True)


@pytest.fixture()
def exchange(agent):
    conversation = Conversation.objects.create(user=agent)
    return Exchange.objects.create(
        conversation=conversation, user=agent, question="VPN ?", answer="…", mode="none", confidence=0.0, latency_ms=0
    )


def post(client, path, payload, **extra):
    body = payload if isinstance(payload, str | bytes) else json.dumps(payload)
    return client.post(path, body, content_type="application/json", **extra)


def french_json(response) -> dict:
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    data = json.loads(response.content)
    assert not any(word in response.content.decode() for word in ENGLISH), data
    return data


# Who may call: 401 without credentials, whatever the CSRF state; 403 only once signed in.


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", "/api/v1/ask"), ("post", "/api/v1/exchanges/1/feedback"), ("get", "/api/v1/conversations")],
)
def test_a_call_without_credentials_gets_401_json_in_french_not_a_csrf_403(method, path):
    browser = Client(enforce_csrf_checks=True)  # a real client: CSRF is enforced, as in production
    response = post(browser, path, {"question": "VPN ?"}) if method == "post" else browser.get(path)
    assert response.status_code == 401
    assert french_json(response)["detail"].startswith("Authentification requise : ")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_revoked_token_gets_401_too(token):
    for headers in ({"Authorization": "Bearer rls_nope"}, {"X-API-Key": "rls_nope"}, {"Authorization": "Basic eDp5"}):
        response = post(Client(headers=headers, enforce_csrf_checks=True), "/api/v1/ask", {"question": "VPN ?"})
        assert response.status_code == 401 and french_json(response)["detail"].startswith("Authentification requise")
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/conversations")
    assert response.status_code == 401


def test_a_session_without_its_csrf_token_gets_403_in_french(agent):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    response = post(browser, "/api/v1/ask", {"question": "VPN ?"})
    assert response.status_code == 403
    assert french_json(response)["detail"].startswith("Vérification CSRF échouée")
    assert not Exchange.objects.exists()
    assert browser.get("/api/v1/conversations").status_code == 200  # reading needs no CSRF token


def test_a_token_of_a_user_who_has_not_accepted_the_charter_gets_403(api):
    Charter.objects.create(version=1, title="Charte", body="Texte.")
    response = api.get("/api/v1/conversations")
    assert response.status_code == 403 and "charte" in french_json(response)["detail"]


# The schema and its page: signed-in users only.


def test_the_schema_is_for_signed_in_users_only(token, agent):
    anonymous = Client().get("/api/v1/openapi.json")
    assert anonymous.status_code == 401
    assert french_json(anonymous)["detail"].startswith("Authentification requise")
    for headers in ({"Authorization": f"Bearer {token}"}, {"X-API-Key": token}):
        assert "/api/v1/ask" in Client(headers=headers).get("/api/v1/openapi.json").json()["paths"]
    browser = Client()
    browser.force_login(agent)
    assert browser.get("/api/v1/openapi.json").status_code == 200


def test_the_docs_page_sends_anonymous_visitors_to_sign_in(token, agent):
    anonymous = Client().get("/api/v1/docs")
    assert anonymous.status_code == 302 and anonymous["Location"] == "/connexion/?next=/api/v1/docs"
    browser = Client()
    browser.force_login(agent)
    assert browser.get("/api/v1/docs").status_code == 200
    assert Client(headers={"Authorization": f"Bearer {token}"}).get("/api/v1/docs").status_code == 200


# Invalid input: 422, each field's location, error type and a French message; nothing stored.


QUESTION = ["body", "payload", "question"]


@pytest.mark.parametrize(
    ("payload", "loc", "kind", "message"),
    [
        ({}, QUESTION, "missing", "Champ obligatoire."),
        ({"question": ""}, QUESTION, "string_too_short", "Trop court : au moins 1 caractère(s)."),
        ({"question": "x" * 1001}, QUESTION, "string_too_long", "Trop long : au plus 1000 caractères."),
        ({"question": 3}, QUESTION, "string_type", "Texte attendu."),
        ({"question": "VPN ?", "conversation_id": "abc"}, ["body", "payload", "conversation_id"], "int_parsing",
         "Nombre entier attendu."),
    ],
)  # fmt: skip
def test_validation_errors_are_in_french_with_their_location(api, payload, loc, kind, message):
    response = post(api, "/api/v1/ask", payload)
    assert response.status_code == 422
    data = french_json(response)
    assert data["detail"] == "Requête invalide : vérifiez les champs indiqués."
    assert data["errors"] == [{"loc": loc, "type": kind, "msg": message}]
    assert not Exchange.objects.exists()


def test_feedback_and_query_errors_are_in_french(api, exchange):
    response = post(api, f"/api/v1/exchanges/{exchange.pk}/feedback", {"rating": "meh"})
    assert response.status_code == 422
    assert french_json(response)["errors"] == [
        {"loc": ["body", "payload", "rating"], "type": "literal_error", "msg": "Valeur non permise : 'up' ou 'down'."}
    ]
    response = api.get("/api/v1/conversations?limit=beaucoup")
    assert response.status_code == 422
    assert french_json(response)["errors"][0]["loc"] == ["query", "limit"]


def test_a_blank_question_has_the_same_error_structure(api):
    response = post(api, "/api/v1/ask", {"question": " \n\t "})
    assert response.status_code == 422
    data = french_json(response)
    assert data["detail"] == "La question est vide."
    assert data["errors"] == [{"loc": QUESTION, "type": "empty_question", "msg": data["detail"]}]


@pytest.mark.parametrize("body", ["{", b"\xff\xfe{", '{"question": "VPN ?"'])
def test_an_unreadable_body_gets_400_in_french(api, body):
    response = post(api, "/api/v1/ask", body)
    assert response.status_code == 400
    assert french_json(response)["detail"].startswith("Corps de la requête illisible")


def test_an_unknown_item_is_a_404_in_french(api):
    response = post(api, "/api/v1/exchanges/999999/feedback", {"rating": "up"})
    assert response.status_code == 404 and french_json(response)["detail"] == "Introuvable."
    for path in ("/api/v1/conversations/999999", f"/api/v1/conversations/{2**70}"):  # past SQLite's integers too
        response = api.get(path)
        assert response.status_code == 404 and french_json(response)["detail"] == "Introuvable."
    response = api.get("/api/v1/conversations/abc")
    assert response.status_code == 422 and french_json(response)["errors"][0]["loc"] == ["path", "conversation_id"]


def test_a_method_an_operation_does_not_have_gets_405_in_french(api):
    response = api.put("/api/v1/ask", "{}", content_type="application/json")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert french_json(response)["detail"] == "Méthode non permise : POST seulement."


# Control characters (NUL first) are refused in every text, as the web forms refuse them; nothing is stored.


@pytest.mark.parametrize("text", ["VPN\x00 ?", "\x00", "VPN \x01", "VPN \x1b[31m", "VPN\x0b", "VPN \x1f", "\ud800"])
def test_control_characters_in_a_question_are_refused_and_nothing_is_stored(api, text):
    response = post(api, "/api/v1/ask", json.dumps({"question": text}))  # \u0000 in the JSON, as an attacker sends
    assert response.status_code == 422
    error = french_json(response)["errors"][0]
    assert error["loc"] == QUESTION
    assert error["msg"].startswith(("Caractère de contrôle interdit", "Texte Unicode attendu"))
    assert not Exchange.objects.exists() and not Conversation.objects.exists()


def test_control_characters_in_a_feedback_comment_are_refused(api, exchange):
    response = post(api, f"/api/v1/exchanges/{exchange.pk}/feedback", {"rating": "down", "comment": "Faux\x00"})
    assert response.status_code == 422
    assert french_json(response)["errors"][0]["loc"] == ["body", "payload", "comment"]
    assert not Feedback.objects.exists()
    # Tab, line feed and carriage return are ordinary text.
    comment = "Faux :\n\t- le lien\r\n"
    response = post(api, f"/api/v1/exchanges/{exchange.pk}/feedback", {"rating": "down", "comment": comment})
    assert response.status_code == 200 and Feedback.objects.get().comment == comment


def test_the_schema_states_the_rule(api):
    schema = api.get("/api/v1/openapi.json").json()["components"]["schemas"]
    pattern = schema["AskIn"]["properties"]["question"]["pattern"]
    assert pattern == schema["FeedbackIn"]["properties"]["comment"]["pattern"] == r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"


# Bodies over DATA_UPLOAD_MAX_MEMORY_SIZE: 413 in JSON, in French.


def test_a_body_over_the_limit_gets_413_json_in_french(api, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 10 * 1024 * 1024
    body = json.dumps({"question": "x" * (10 * 1024 * 1024)})
    response = post(api, "/api/v1/ask", body)
    assert response.status_code == 413
    assert french_json(response)["detail"] == "La requête est trop volumineuse (limite : 10 Mo)."
    assert not Exchange.objects.exists()


def test_a_session_body_over_the_limit_gets_413_too(agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(agent)
    csrf = browser.get("/api/v1/docs").cookies["csrftoken"].value
    response = browser.post(
        "/api/v1/ask",
        "question=" + "x" * 2000,
        content_type="application/x-www-form-urlencoded",  # read by the CSRF check itself, before the API
        headers={"X-CSRFToken": csrf},
    )
    assert response.status_code == 413 and french_json(response)["detail"].startswith(
        "La requête est trop volumineuse (limite : "
    )


def test_a_body_over_the_limit_without_content_length_gets_413_too(token, settings):
    """A chunked body (ASGI) has no Content-Length for Django to check: the API's parser measures it."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"question": "x" * 2000})
    request = RequestFactory().post(
        "/api/v1/ask", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    request.META["CONTENT_LENGTH"] = ""  # Django's own check reads only this header
    with pytest.raises(RequestDataTooBig):
        LimitedParser().parse_body(request)
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().post(
        "/api/v1/ask", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
    )
    request.META["CONTENT_LENGTH"] = ""
    request.user = AnonymousUser()
    response = resolve("/api/v1/ask").func(request)
    assert response.status_code == 413 and french_json(response)["detail"].startswith(
        "La requête est trop volumineuse (limite : "
    )
    assert not Exchange.objects.exists()
