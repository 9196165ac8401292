"""In Chromium, the agents' reading pages: a document's page reads as a document (headings under its title, no
level skipped, tables and lists) and passes axe; a hostile document's HTML and script show as text and never run;
the API's documentation (Swagger UI from the installed package, nothing from another host) passes axe, as it opens
and with every operation unfolded."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from itertools import pairwise

from tests.e2e.conftest import ROOT, SCREENSHOTS, log_in, serious_violations

HOSTILE = """# Note piégée

Une règle <script>window.pwned = 1</script> et <img src=x onerror="window.pwned = 2">.

Voir [la note](javascript:window.pwned=3) ou <a href="javascript:window.pwned=4">ce lien</a>.

## Une section

- un élément <svg onload="window.pwned = 5"></svg>
- un autre élément

| Colonne | Valeur |
|---|---|
| <b onmouseover="window.pwned = 6">gras</b> | <iframe src="javascript:window.pwned = 7"></iframe> |
"""

# Every heading level of the page in order, and whether one is skipped on the way down.
HEADINGS = "[...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => Number(h.tagName[1]))"


def document_id(database, title: str) -> int:
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT id FROM knowledge_document WHERE title LIKE ?", (title,)).fetchone()
    assert row, f"no document titled {title!r}"
    return row[0]


def passage_ids(database, document: int) -> list[int]:
    with sqlite3.connect(database) as connection:
        query = "SELECT id FROM knowledge_passage WHERE document_id = ? ORDER BY position"
        return [row[0] for row in connection.execute(query, (document,))]


def ingest(data_dir, path) -> None:
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-m", "relais.cli", "ingest", str(path), "--collection", "essais", "--service", "DSI"]
    subprocess.run(command, env=env, check=True, cwd=ROOT, capture_output=True)


def test_a_document_page_reads_as_a_document_and_passes_axe(server, browser):
    base, database = server
    bareme = document_id(database, "Barème des frais de déplacement%")
    page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, base)
    page.goto(f"{base}/documents/{bareme}/")
    page.get_by_role("heading", level=1, name="Barème des frais de déplacement").wait_for()
    page.get_by_role("heading", level=2, name="Indemnités kilométriques (véhicule personnel)").wait_for()
    page.get_by_role("heading", level=3, name="Comment le montant est calculé").wait_for()
    levels = page.evaluate(HEADINGS)
    assert levels.count(1) == 1 and all(b <= a + 1 for a, b in pairwise(levels)), levels
    tables = page.locator(".passage-block table")
    assert tables.count() >= 3 and tables.first.locator("th[scope=col]").count() == 4
    assert page.locator(".passage-block ul li").count() >= 2
    assert "| 0,32 €" not in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "document-bareme.png", full_page=True)

    # A link to a passage lands on it.
    second = passage_ids(database, bareme)[1]
    page.goto(f"{base}/documents/{bareme}/#passage-{second}")
    assert page.evaluate("document.querySelector(':target').id") == f"passage-{second}"


def test_a_hostile_documents_html_and_script_stay_text_and_never_run(server, browser, tmp_path):
    base, database = server
    hostile = tmp_path / "note-piegee.md"
    hostile.write_text(HOSTILE, encoding="utf-8")
    ingest(database.parent, hostile)
    page = browser.new_context(locale="fr-FR").new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    log_in(page, base)
    page.goto(f"{base}/documents/{document_id(database, 'Note piégée')}/")
    page.get_by_role("heading", level=2, name="Une section").wait_for()
    page.locator(".passage-block table td").first.hover()  # its onmouseover is text
    page.wait_for_timeout(500)  # time for an image's onerror to fire, were it an image

    assert page.evaluate("window.pwned") is None and dialogs == []
    assert page.locator(".passage-block :is(script, img, svg, iframe, a, b, [onerror], [onload])").count() == 0
    text = page.locator("main").inner_text()
    assert "<script>window.pwned = 1</script>" in text and '<img src=x onerror="window.pwned = 2">' in text
    assert serious_violations(page) == []


def test_the_api_documentation_loads_nothing_from_elsewhere_and_passes_axe(server, browser):
    base, _ = server
    page = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}).new_page()
    log_in(page, base)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{base}/api/v1/docs")
    page.locator(".swagger-ui .opblock").first.wait_for()
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert page.title().startswith("Documentation de l'API")
    assert requested and all(url.startswith(base) for url in requested), requested
    assert serious_violations(page) == []

    summaries = page.locator(".opblock-summary-control")
    for index in range(summaries.count()):
        summaries.nth(index).click()
    page.locator(".opblock-body").first.wait_for()
    assert page.locator(".opblock-body").count() == summaries.count()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "api-docs.png")
