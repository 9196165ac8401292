"""The chat's streamed answers in Debian's Chromium: text appears as written, then the verified exchange replaces it.

Relais runs under its ASGI server with RELAIS_GENERATOR=openai pointed at ``FakeStreamingLLM``, a FAKE
OpenAI-compatible endpoint (scripted pieces with pauses, not a model) so that the browser sees a slow stream on
demand; the real model is exercised in tests/assistant/test_llm_server.py.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
import time

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.e2e.conftest import ROOT, SCREENSHOTS, _relais, log_in, serious_violations
from tests.processes import free_port, stop, wait_for_http

TELEPHONY = "Comment configurer le renvoi de ma ligne fixe vers mon mobile ?"
# The demo's telephony passage says « Touche « Renvoi » > « Renvoi immédiat » » (grounded: no figure to check).
GROUNDED = ["Pour renvoyer ", "votre ligne, ", "touchez Renvoi ", "puis Renvoi immédiat [1]."]
INVENTED = ["Pour renvoyer ", "votre ligne, ", "appelez le ", "01 99 88 77 66 [1]."]


class FakeStreamingLLM:
    """FAKE OpenAI-compatible chat endpoint: streams the next script, one piece every ``pause`` seconds."""

    def __init__(self, pause: float = 0.6):
        self.scripts: list[list[str]] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(200)
                self.send_header("content-type", "text/event-stream")
                self.end_headers()
                for piece in fake.scripts.pop(0) if fake.scripts else GROUNDED:
                    event = {"choices": [{"delta": {"content": piece}}]}
                    self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.flush()
                    time.sleep(pause)
                self.wfile.write(b"data: [DONE]\n\n")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def llm_server(tmp_path_factory):
    """Relais with the demo and the fake LLM; yields (base URL, the fake)."""
    fake = FakeStreamingLLM()
    data = tmp_path_factory.mktemp("browser-llm-data")
    env = {
        **os.environ,
        "RELAIS_DATA_DIR": str(data),
        "RELAIS_GENERATOR": "openai",
        "RELAIS_LLM_BASE_URL": fake.base_url,
        "RELAIS_LLM_MODEL": "fake",
        "RELAIS_LLM_TIMEOUT": "15",
        # The telephony answer's confidence sits under the default 0.8: these tests are about the stream and its
        # check, not about « à vérifier ».
        "RELAIS_VERIFY_BELOW": "0.5",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    cache = settings.DATA_DIR / "embedding-cache.sqlite3"
    if cache.exists():
        (data / cache.name).write_bytes(cache.read_bytes())
    _relais("demo", env=env)
    port = free_port()
    log = data / "server.log"  # a file, not an unread pipe that fills and blocks the server
    process = subprocess.Popen(
        [sys.executable, "-m", "relais.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/connexion/", process, log=log)
        yield base, fake
    finally:
        stop(process)
        fake.server.shutdown()


def ask(page, question: str) -> None:
    page.get_by_role("textbox", name="Votre question").fill(question)
    page.get_by_role("button", name="Envoyer").click()


def test_text_streams_then_the_verified_answer_replaces_it(llm_server, browser):
    base, fake = llm_server
    fake.scripts.append(GROUNDED)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    log_in(page, base)
    ask(page, TELEPHONY)
    pending = page.locator("article.exchange-pending")
    pending.wait_for()
    assert "pas encore vérifiée" in pending.inner_text().lower()
    expect(pending.locator(".answer-text")).to_contain_text("votre ligne")  # no eval: the page's CSP forbids it
    assert "Renvoi immédiat" not in pending.locator(".answer-text").inner_text()  # still streaming
    page.screenshot(path=str(SCREENSHOTS / "chat-streaming.png"))
    final = page.locator("article.exchange:not(.exchange-pending)").last
    final.wait_for(timeout=20_000)
    assert page.locator("article.exchange-pending").count() == 0
    text = final.inner_text()
    assert "vérifiée" in text.lower() and "touchez Renvoi puis Renvoi immédiat [1]." in text
    assert "Téléphonie fixe et mobile" in text  # its source
    assert page.get_by_role("status").inner_text() == "Réponse reçue."
    page.screenshot(path=str(SCREENSHOTS / "chat-streamed-answer.png"))
    assert serious_violations(page) == []
    page.close()


def test_an_invented_phone_number_is_replaced_by_the_extract_with_a_notice(llm_server, browser):
    base, fake = llm_server
    fake.scripts.append(INVENTED)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    log_in(page, base)
    ask(page, TELEPHONY)
    expect(page.locator("article.exchange-pending .answer-text")).to_contain_text("01 99 88", timeout=20_000)
    final = page.locator("article.exchange:not(.exchange-pending)").last
    final.wait_for(timeout=20_000)
    text = final.inner_text()
    assert "01 99 88 77 66" not in text
    assert "n'a pas pu être vérifiée" in final.locator(".answer-notice").inner_text()
    assert "Extrait de la documentation".upper() in text.upper()
    page.screenshot(path=str(SCREENSHOTS / "chat-streamed-fallback.png"))
    page.close()
