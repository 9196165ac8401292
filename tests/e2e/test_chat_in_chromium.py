"""The chat in a real browser: Debian's Chromium driven by Playwright, against `relais serve` (uvicorn, ASGI).

The server runs as a subprocess on its own data folder, loaded with the demo
knowledge and accounts, exactly as `make run` does. Screenshots of each state
go to test-artifacts/browser/. axe-core checks the pages: no serious or
critical violation is allowed.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "valdebrume-demo"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _relais(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "relais.cli", *args], env=env, check=True, cwd=ROOT, capture_output=True)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running Relais with the demo, on a free port; yields (base URL, database path)."""
    data = tmp_path_factory.mktemp("browser-data")
    cache = Path(settings.DATA_DIR) / "embedding-cache.sqlite3"
    if cache.exists():  # embeddings computed by earlier tests: no need to compute them again
        shutil.copy(cache, data / cache.name)
    env = {**os.environ, "RELAIS_DATA_DIR": str(data)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _relais("demo", env=env)
    _relais("users", "load", "demo/users.yaml", env=env)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "relais.cli", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, process)
        yield base, data / "relais.sqlite3"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_until_up(base: str, process: subprocess.Popen, tries: int = 120) -> None:
    for _ in range(tries):
        if process.poll() is not None:
            raise RuntimeError(f"relais serve exited: {process.stderr.read().decode()}")
        try:
            with urllib.request.urlopen(f"{base}/connexion/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError("relais serve did not answer within a minute")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: `make test` installs Debian's chromium (or set RELAIS_CHROMIUM)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def log_in(page, base: str, username: str = "agent.demo") -> None:
    page.goto(f"{base}/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{base}/")


def ask(page, question: str) -> None:
    count = page.locator("article.exchange").count()
    page.get_by_role("textbox", name="Votre question").fill(question)
    page.get_by_role("textbox", name="Votre question").press("Enter")
    page.locator("article.exchange").nth(count).wait_for()


def test_agent_asks_gets_sources_gives_feedback_and_sees_an_abstention(server, browser):
    base, database = server
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page.goto(f"{base}/")
    assert page.get_by_role("heading", name="Connexion à Relais").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "1-connexion.png", full_page=True)

    log_in(page, base)
    assert page.get_by_text("Assistant d'intelligence artificielle.").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "2-chat-vide.png", full_page=True)

    ask(page, "Comment faire une demande d'ordre de mission pour une formation ?")
    answer = page.locator("article.exchange").last
    sources = answer.locator("ol.sources")
    assert "Ordre de mission" in sources.inner_text()
    answer.locator("summary").first.click()  # the citation expands to its passage
    assert answer.locator("blockquote.passage").first.is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "3-reponse-avec-sources.png", full_page=True)

    answer.get_by_role("button", name="Oui").click()
    page.get_by_text("Merci, votre avis est enregistré : réponse utile.").wait_for()
    assert answer.get_by_role("button", name="Oui").get_attribute("aria-pressed") == "true"
    page.screenshot(path=SCREENSHOTS / "4-avis-positif.png", full_page=True)
    with sqlite3.connect(database) as db:
        rating = db.execute("select rating from assistant_feedback order by id desc limit 1").fetchone()
    assert rating == ("up",)

    ask(page, "Quel est le menu de la cantine demain ?")
    abstention = page.locator("article.exchange").last
    assert "Je n'ai pas trouvé de réponse fiable dans la documentation." in abstention.inner_text()
    assert "Qui contacter" in abstention.inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "5-abstention-avec-contact.png", full_page=True)
    assert "/conversations/" in page.url  # the conversation has its own address: reload keeps it
    page.reload()
    assert page.locator("article.exchange").count() == 2
    page.close()


def test_keyboard_only_on_a_phone(server, browser):
    base, _ = server
    phone = {"width": 375, "height": 740}
    context = browser.new_context(viewport=phone, is_mobile=True, has_touch=True, locale="fr-FR")
    page = context.new_page()
    log_in(page, base)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    focused = ""
    for _ in range(10):  # Tab until the question field, as a keyboard user would
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.id")
        if focused == "id_question":
            break
    assert focused == "id_question"
    page.keyboard.type("mot de passe oublié")
    page.keyboard.press("Enter")
    page.locator("article.exchange").first.wait_for()
    assert page.evaluate("document.activeElement.id") == "id_question"  # ready for the next question
    assert page.locator("#etat").inner_text() == "Réponse reçue."
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page scrolls sideways on a phone ({width}px)"
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "6-telephone.png", full_page=True)
    context.close()


def test_chat_works_without_javascript(server, browser):
    base, _ = server
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    log_in(page, base)
    page.get_by_role("textbox", name="Votre question").fill("Comment configurer le VPN ?")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_url("**/conversations/**")
    assert page.locator("article.exchange").count() == 1
    context.close()
