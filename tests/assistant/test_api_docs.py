"""The API's documentation page (/api/v1/docs): a French page of the town (lang, title, heading, landmarks), Swagger
UI served from django-ninja's own static files (never a CDN: no network at run time), without the deep links that
Swagger UI nests inside its buttons. tests/e2e/test_document_page_in_chromium.py runs axe on it in Chromium."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


class Assets(HTMLParser):
    """The files a browser loads for the page (scripts, style sheets, icons) and its JSON settings."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: dict[str, dict[str, str | None]] = {}
        self.settings_json = ""
        self._in_settings = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.setdefault(tag, attributes)
        if tag == "script" and attributes.get("src"):
            self.urls.append(attributes["src"] or "")
        if tag == "link" and attributes.get("href"):
            self.urls.append(attributes["href"] or "")
        self._in_settings = tag == "script" and attributes.get("id") == "swagger-settings"

    def handle_data(self, data: str) -> None:
        if self._in_settings:
            self.settings_json += data

    def handle_endtag(self, tag: str) -> None:
        self._in_settings = False


@pytest.fixture()
def browser() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_user("agent.api", password="motdepasse-solide-42"))
    return client


def test_the_docs_page_is_a_french_page_of_the_town(browser):
    response = browser.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert re.search(r"<title>Documentation de l'API( — [^<]+)?</title>", html)
    assert "<h1>Documentation de l'API de Relais</h1>" in html
    assert '<main id="contenu"' in html and '<a class="skip-link" href="#contenu">' in html
    assert '<div id="swagger-ui"></div>' in html and "</main>" in html.split('<div id="swagger-ui">')[1]
    assert '<a href="/api/v1/openapi.json">/api/v1/openapi.json</a>' in html  # the schema, readable without script


def test_swagger_ui_comes_from_the_installed_package_never_a_cdn(browser):
    page = Assets(browser.get("/api/v1/docs").content.decode())
    assert page.urls and all(url.startswith("/static/") for url in page.urls), page.urls
    for name in ("ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"):
        assert f"/static/{name}" in page.urls
        assert finders.find(name), f"{name} is not in the installed django-ninja"


def test_swagger_ui_reads_the_schema_without_deep_links_and_sends_the_csrf_token(browser):
    html = browser.get("/api/v1/docs").content.decode()
    page = Assets(html)
    settings = json.loads(page.settings_json)
    # Deep links are links inside each operation's button: a control nested in a control (axe: nested-interactive).
    assert settings == {"layout": "BaseLayout", "deepLinking": False, "url": "/api/v1/openapi.json"}
    body = page.tags["body"]
    assert body["data-api-csrf"] == "true" and len(body["data-csrf-token"] or "") >= 32  # « Try it out » POSTs
