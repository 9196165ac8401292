"""The citizens' widget: the loader /widget.js (size, cache, SRI hash) and its frame /citoyens/integre/ (who may
frame it, the embedded variant of the public chat)."""

import base64
import dataclasses
import gzip
import hashlib
import re
from pathlib import Path

import pytest
from django.test import Client

from relais.assistant.models import PublicAssistant
from relais.assistant.widget import WIDGET_VERSION
from relais.config import Config, ConfigError
from tests.assistant import test_public_api as shared
from tests.assistant.test_public_page import DISCLOSURE, NOTICE, assert_no_cookie

pytestmark = pytest.mark.django_db

public_knowledge, confident = shared.public_knowledge, shared.confident
DOCS = Path(__file__).resolve().parents[2] / "docs" / "public.md"
TOWN_SITES = "https://www.val-de-brume.fr https://val-de-brume.fr"


@pytest.fixture
def town_sites(settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, widget_origins=tuple(TOWN_SITES.split()))


def sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def frame_ancestors(response) -> str:
    policy = response["Content-Security-Policy"]
    return next(part.strip() for part in policy.split(";") if part.strip().startswith("frame-ancestors"))


def notices(html: str) -> str:
    return " ".join(re.search(r'<div class="ai-notice".*?</div>', html, re.S).group(0).split())


def test_the_loader_is_at_most_5_kb_gzipped_and_builds_the_launcher_and_the_sandboxed_frame():
    response = Client().get(f"/widget.js?v={WIDGET_VERSION}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    body = response.content
    assert len(gzip.compress(body, compresslevel=9)) <= 5 * 1024
    text = body.decode()
    assert "attachShadow" in text and "Poser une question à la mairie" in text
    assert '"allow-scripts allow-forms allow-same-origin"' in text and "/citoyens/integre/" in text
    assert 'role="dialog"' in text and "Escape" in text and "prefers-reduced-motion" in text
    # Both directions of postMessage are checked: the origin and the window it came from.
    assert "event.origin !== relais" in text and "postMessage({ relais: action }, relais)" in text


def test_the_pinned_version_is_cached_for_a_year_and_loadable_with_crossorigin_anonymous():
    pinned = Client().get(f"/widget.js?v={WIDGET_VERSION}")
    assert "max-age=31536000" in pinned["Cache-Control"] and "immutable" in pinned["Cache-Control"]
    assert pinned["Access-Control-Allow-Origin"] == "*"  # else the browser refuses a crossorigin script
    assert_no_cookie(pinned)
    unpinned = Client().get("/widget.js")
    assert "max-age=300" in unpinned["Cache-Control"] and "immutable" not in unpinned["Cache-Control"]
    assert unpinned.content == pinned.content


def test_the_published_integrity_hash_matches_the_served_bytes():
    served = Client().get(f"/widget.js?v={WIDGET_VERSION}").content
    snippet = Client().get("/widget.js?integrite").content.decode()
    assert f'src="http://testserver/widget.js?v={WIDGET_VERSION}"' in snippet
    assert f'integrity="{sri(served)}"' in snippet and 'crossorigin="anonymous"' in snippet
    # The documentation pins the same version with the same hash: editing widget.js without a new version fails.
    documented = DOCS.read_text()
    assert f"widget.js?v={WIDGET_VERSION}" in documented and sri(served) in documented


def test_without_allowed_sites_only_relais_itself_may_frame_the_widget(public_knowledge):
    response = Client().get("/citoyens/integre/")
    assert response.status_code == 200
    assert frame_ancestors(response) == "frame-ancestors 'self'"
    assert response["X-Frame-Options"] == "SAMEORIGIN"  # agrees with 'self'; DENY elsewhere stays
    assert Client().get("/citoyens/")["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in Client().get("/citoyens/")["Content-Security-Policy"]


def test_the_allowed_sites_and_no_other_may_frame_the_widget(public_knowledge, town_sites):
    response = Client().get("/citoyens/integre/")
    assert frame_ancestors(response) == f"frame-ancestors 'self' {TOWN_SITES}"
    assert "X-Frame-Options" not in response.headers  # it cannot name them: left to frame-ancestors
    # The frame's script talks to these origins only.
    html = response.content.decode()
    assert f'data-hotes="http://testserver {TOWN_SITES}"' in html
    # The rest of the site stays unframeable.
    other = Client().get("/citoyens/")
    assert other["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in other["Content-Security-Policy"]


def test_the_embedded_page_has_no_site_header_the_same_notices_and_a_polite_log(public_knowledge):
    client = Client(enforce_csrf_checks=True)
    response = client.get("/citoyens/integre/")
    assert_no_cookie(response)
    html = response.content.decode()
    assert 'class="site-header"' not in html and "skip-link" not in html
    assert notices(html) == notices(client.get("/citoyens/").content.decode())
    assert DISCLOSURE in html and NOTICE in html
    assert re.search(r'id="journal" role="log" aria-live="polite"', html)
    assert 'action="/citoyens/integre/"' in html and "csrfmiddlewaretoken" not in html
    assert '<script src="/static/relais/widget-frame.js' in html


def test_a_question_asked_in_the_frame_is_answered_in_the_log_with_its_sources(public_knowledge, confident):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/citoyens/integre/", {"question": "Comment demander un acte de naissance ?"})
    assert response.status_code == 200
    assert_no_cookie(response)
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    log = html.split('id="journal"', 1)[1].split("</div>\n    {# No CSRF", 1)[0]
    assert "acte de naissance se demande" in log
    assert f'href="/citoyens/documents/{public_knowledge.etat_civil.pk}/"' in log
    assert frame_ancestors(response) == "frame-ancestors 'self'"


def test_an_empty_question_in_the_frame_is_refused_in_french(public_knowledge):
    response = Client().post("/citoyens/integre/", {"question": "  "})
    assert response.status_code == 400
    assert "Écrivez votre question avant d&#x27;envoyer." in response.content.decode()


def test_the_pause_shows_the_towns_message_in_the_frame_too(public_knowledge):
    PublicAssistant.objects.update_or_create(
        pk=PublicAssistant.SINGLETON, defaults={"paused": True, "pause_message": "Appelez le 01 23 45 67 89."}
    )
    response = Client().post("/citoyens/integre/", {"question": "Comment demander un acte de naissance ?"})
    assert response.status_code == 503
    html = response.content.decode()
    assert "Appelez le 01 23 45 67 89." in html and 'id="formulaire-question"' not in html
    assert DISCLOSURE in html and frame_ancestors(response) == "frame-ancestors 'self'"


def test_the_allowed_sites_are_origins_separated_by_spaces():
    config = Config.from_env({"RELAIS_WIDGET_ORIGINS": " https://www.val-de-brume.fr  http://localhost:8080 "})
    assert config.widget_origins == ("https://www.val-de-brume.fr", "http://localhost:8080")
    assert Config.from_env({}).widget_origins == ()
    for wrong in ("https://www.val-de-brume.fr/accueil", "www.val-de-brume.fr", "https://a.fr,https://b.fr", "*"):
        with pytest.raises(ConfigError, match="RELAIS_WIDGET_ORIGINS"):
            Config.from_env({"RELAIS_WIDGET_ORIGINS": wrong})
