"""Shared by the browser tests: a real `relais serve` with the demo, and Debian's Chromium driven by Playwright.

The server runs as a subprocess on its own data folder, loaded with the demo
knowledge and accounts, exactly as `make run` does. Screenshots go to
test-artifacts/browser/. axe-core checks pages: no serious or critical violation.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.embedding_cache import seed_from_the_session
from tests.processes import free_port, stop, wait_for_http

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path(os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "valdebrume-demo"
NO_CHROMIUM = "chromium not installed (make test installs it)"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip before the server fixtures load the demo: without Chromium there is nothing to drive."""
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)


def _relais(*args: str, env: dict) -> None:
    subprocess.run([sys.executable, "-m", "relais.cli", *args], env=env, check=True, cwd=ROOT, capture_output=True)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A running Relais with the demo, on a free port; yields (base URL, database path)."""
    data = tmp_path_factory.mktemp("browser-data")
    seed_from_the_session(data)  # embeddings computed by earlier tests: no need to compute them again
    env = {**os.environ, "RELAIS_DATA_DIR": str(data)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _relais("demo", env=env)  # documents, FAQ, users and the charter
    port = free_port()
    # The server's log goes to a file: a pipe nobody reads fills up (64 KiB of access log) and blocks the server.
    log = data / "server.log"
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
        yield base, data / "relais.sqlite3"
    finally:
        stop(process)


@pytest.fixture(scope="session")
def simulated(server):
    """A month of simulated usage in the server's database, as `relais simulate` gives `make run`: the dashboard's
    figures and the documentation gaps. Once a session: each run replaces the last one (same seed, same data)."""
    base, database = server
    env = {**os.environ, "RELAIS_DATA_DIR": str(database.parent)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _relais("simulate", "--months", "1", "--agents", "40", "--per-day", "12", env=env)
    return base


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
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
    """Sign in; on first use, accept the AI charter as every user must."""
    page.goto(f"{base}/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    if "/charte/" in page.url:
        page.get_by_role("button", name="J'ai lu la charte et je l'accepte").click()
    page.wait_for_url(f"{base}/")


def ask(page, question: str) -> None:
    count = page.locator("article.exchange").count()
    page.get_by_role("textbox", name="Votre question").fill(question)
    page.get_by_role("textbox", name="Votre question").press("Enter")
    page.locator("article.exchange").nth(count).wait_for()
