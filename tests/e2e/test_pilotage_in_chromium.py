"""The dashboard in a real browser: a digital lead reads the figures; a référent turns a gap into a FAQ entry."""

from __future__ import annotations

import os

import pytest

from tests.e2e.conftest import SCREENSHOTS, _relais, ask, log_in, serious_violations

ANSWER = "Non : la commune ne distribue pas de titres-restaurant ; le restaurant administratif est ouvert à tous."


@pytest.fixture(scope="module")
def simulated(server):
    """A month of simulated usage in the server's database, as `relais simulate` gives `make run`."""
    base, database = server
    env = {**os.environ, "RELAIS_DATA_DIR": str(database.parent)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    _relais("simulate", "--months", "1", "--agents", "40", "--per-day", "12", env=env)
    return base


def test_digital_lead_reads_the_dashboard(simulated, browser):
    base = simulated
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, username="pilotage.demo")
    page.get_by_role("link", name="Pilotage").click()
    page.get_by_role("heading", level=1, name="Pilotage de l'assistant").wait_for()
    assert serious_violations(page) == []
    # Figures with their formula, charts with a text alternative, a table per chart.
    assert "Part de l'objectif de 15 %" in page.locator(".key-figures").inner_text().replace("\u00a0", " ")
    assert page.get_by_role("img", name="Part de l'objectif de 15").count() == 1
    assert page.get_by_role("table", name="Heures économisées par service").count() == 1
    page.screenshot(path=SCREENSHOTS / "10-pilotage.png", full_page=True)
    # Filter on one service, by keyboard-reachable controls.
    page.get_by_label("Service", exact=True).select_option("RH")
    page.get_by_label("Regrouper l’évolution par").select_option("month")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**service=RH**")
    services = page.get_by_role("table", name="Usage par service").locator("tbody th").all_inner_texts()
    assert services == ["RH", "Total"]
    assert page.get_by_role("table", name="Évolution par mois").count() == 1
    # CSV export of a table, and the report as PDF.
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger en CSV : Heures économisées par service").click()
    assert download.value.suggested_filename.startswith("relais-heures-par-service-")
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le rapport PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Lacunes de la documentation").click()
    page.get_by_role("heading", level=1, name="Lacunes de la documentation").wait_for()
    assert page.locator("li.gap").count() > 0 and page.get_by_role("link", name="Créer une entrée FAQ").count() == 0
    assert serious_violations(page) == []
    context.close()


def test_referent_creates_a_faq_entry_from_a_gap_and_agents_get_it(simulated, browser):
    base = simulated
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, username="referent.rh")
    page.goto(f"{base}/pilotage/lacunes/")
    assert (
        page.get_by_label("Service", exact=True).input_value() == "RH"
    )  # a référent lands on their own service's gaps
    assert serious_violations(page) == []
    gap = page.locator("li.gap", has_text="titres").first
    label = gap.get_by_role("heading").inner_text()
    examples = gap.locator("ul.gap-examples li").all_inner_texts()
    page.screenshot(path=SCREENSHOTS / "11-lacunes.png", full_page=True)
    gap.get_by_role("link", name="Créer une entrée FAQ").click()
    # The FAQ admin form, pre-filled from the gap: its label as question, its other wordings as phrasings.
    assert page.get_by_label("Question").input_value() == label
    phrasings = page.get_by_label("Autres formulations").input_value().splitlines()
    # The card shows a few examples; the form offers them and the gap's other wordings (up to eight).
    assert phrasings and label not in phrasings and all(example in phrasings for example in examples)
    assert page.locator("#id_service").input_value() == "RH"
    page.get_by_label("Réponse validée").fill(ANSWER)
    page.screenshot(path=SCREENSHOTS / "12-faq-depuis-lacune.png", full_page=True)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    page.get_by_text("a été ajouté avec succès").wait_for()
    context.close()

    agent_context = browser.new_context(locale="fr-FR")
    agent = agent_context.new_page()
    log_in(agent, base)
    ask(agent, label)
    assert ANSWER in agent.locator("article.exchange").last.inner_text()
    agent_context.close()
