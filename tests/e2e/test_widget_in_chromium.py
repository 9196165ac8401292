"""The citizens' widget on a town's website: a page of another origin loads /widget.js (pinned, with its SRI hash),
a visitor opens the launcher, asks, gets a cited answer from the demo's public pages, closes with Escape, and axe
finds nothing serious on the host page or in the frame."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import threading
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.e2e.conftest import ROOT, SCREENSHOTS, serious_violations
from tests.processes import free_port, stop, wait_for_http

QUESTION = "Quels sont les horaires de la déchèterie ?"
HOST_PAGE = """<!DOCTYPE html>
<html lang="fr">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mairie de Val-de-Brume — site de la commune</title><link rel="icon" href="data:,"></head>
<body><main><h1>Bienvenue à Val-de-Brume</h1><p>Le site de la commune (une page de démonstration).</p></main>
{tag}</body>
</html>
"""


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the test's output stays readable
        pass


@pytest.fixture(scope="module")
def town_site(tmp_path_factory):
    """The town's website: a static page on another origin (another host name and port than Relais)."""
    folder = tmp_path_factory.mktemp("town-site")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield folder, f"http://localhost:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def widget_server(server, town_site):
    """Relais on the e2e server's demo data, started with the town's site in RELAIS_WIDGET_ORIGINS."""
    _, database = server
    folder, site = town_site
    env = {**os.environ, "RELAIS_DATA_DIR": str(database.parent), "RELAIS_WIDGET_ORIGINS": site}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    port = free_port()
    log = database.parent / "widget-server.log"  # a file, not an unread pipe that fills and blocks the server
    process = subprocess.Popen(
        [sys.executable, "-m", "relais.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/citoyens/", process, log=log)
        # The town pins the version with the hash Relais publishes for it (docs/public.md, « Le widget »).
        with urllib.request.urlopen(f"{base}/widget.js?integrite") as response:
            tag = response.read().decode()
        (folder / "index.html").write_text(HOST_PAGE.format(tag=tag), encoding="utf-8")
        yield base
    finally:
        stop(process)


def test_a_visitor_asks_through_the_widget_on_the_towns_site(browser, widget_server, town_site):
    _, site = town_site
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(f"{site}/index.html")
    launcher = page.get_by_role("button", name="Poser une question à la mairie")
    launcher.wait_for()  # the pinned script passed its integrity check and built the launcher
    box = launcher.bounding_box()
    assert box["width"] >= 24 and box["height"] >= 24
    assert page.locator("iframe").count() == 0  # created on first open only

    launcher.click()
    dialog = page.get_by_role("dialog", name="Assistant de la mairie")
    assert dialog.is_visible() and launcher.get_attribute("aria-expanded") == "true"
    frame_element = page.locator("iframe")
    assert frame_element.get_attribute("sandbox") == "allow-scripts allow-forms allow-same-origin"
    frame = page.frame_locator("iframe")
    field = frame.get_by_role("textbox", name="Votre question")
    field.fill(QUESTION)
    frame.get_by_role("button", name="Envoyer").click()
    answer = frame.locator("#journal article.exchange").first
    answer.wait_for()
    # Asked without reloading the frame (its script): the answer appended to the log, the field emptied.
    assert frame.get_by_role("log").locator("article").count() == 1 and field.input_value() == ""
    assert "Pas de réponse fiable" not in answer.inner_text()
    sources = answer.locator(".sources li")
    assert sources.count() >= 1 and "chèterie" in answer.inner_text().lower()
    assert answer.locator(".sources a").first.get_attribute("href").startswith("/citoyens/documents/")
    page.screenshot(path=str(SCREENSHOTS / "widget-answer.png"))

    # axe on the host page with the widget open, and inside the frame.
    assert serious_violations(page) == []
    inner = next(f for f in page.frames if "/citoyens/integre/" in f.url)
    assert serious_violations(inner) == []

    # Escape inside the frame closes the panel (the frame's message, origin-checked) and focus returns.
    field.focus()
    field.press("Escape")
    dialog.wait_for(state="hidden")
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.shadowRoot.activeElement.textContent") == launcher.inner_text()

    # Reflow at 320 px: the panel fits the width, nothing scrolls sideways.
    page.set_viewport_size({"width": 320, "height": 640})
    launcher.click()
    panel = dialog.bounding_box()
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(SCREENSHOTS / "widget-320.png"))
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert not errors, errors
    context.close()
