"""Error answers are French pages for people and JSON under /api/, never Django's bare English ones."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_page_is_a_french_page(client):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "<h1>Page introuvable</h1>" in page and 'lang="fr"' in page and "Not Found" not in page


def test_an_unknown_api_path_is_french_json(client):
    response = client.get("/api/v1/nulle-part")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Introuvable."}


def test_a_forbidden_admin_page_is_a_french_page():
    user = get_user_model().objects.create_user("agent.erreurs", password="motdepasse-solide-42", is_staff=True)
    client = Client()
    client.force_login(user)
    response = client.get("/admin/auth/user/")  # staff, without the right to see accounts
    assert response.status_code == 403 and "<h1>Accès refusé</h1>" in response.content.decode()


def test_a_server_error_is_a_french_page_and_json_under_api(settings):
    from relais.assistant import errors

    client = Client(raise_request_exception=False)
    settings.DEBUG = False
    page = errors.server_error(client.get("/").wsgi_request)
    assert page.status_code == 500 and "Une erreur est survenue" in page.content.decode()
    request = client.get("/api/v1/nulle-part").wsgi_request
    answer = errors.server_error(request)
    assert answer.status_code == 500 and json.loads(answer.content)["detail"].startswith("Erreur du serveur")
