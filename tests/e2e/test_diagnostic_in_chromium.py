"""The digital diagnosis in a real browser: a référent fills a task for their service; a digital lead reads the
heat map, a service's radar, the roadmap's value × effort matrix and the opportunities. axe: no serious issue."""

from __future__ import annotations

from tests.e2e.conftest import SCREENSHOTS, log_in, serious_violations

TASK = "Répondre aux questions sur les tickets restaurant"


def test_referent_fills_a_task_of_their_service(server, browser):
    base, _ = server
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, username="referent.rh")
    page.get_by_role("link", name="Diagnostic numérique").first.click()
    page.get_by_role("heading", level=1, name="Diagnostic numérique").wait_for()
    # A référent sees their own service only.
    services = page.get_by_role("table", name="Avancement du diagnostic, service par service")
    assert services.locator("tbody th a").all_inner_texts() == ["RH"]
    services.get_by_role("link", name="RH").click()
    page.get_by_role("heading", level=1, name="Diagnostic numérique — Ressources humaines").wait_for()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Ajouter une tâche").click()
    page.get_by_role("heading", level=1, name="Ajouter une tâche — RH").wait_for()
    page.locator("#id_title").fill(TASK)
    page.locator("#id_tool").fill("Messagerie")
    page.locator("#id_frequency_per_month").fill("40")
    page.locator("#id_minutes_per_occurrence").fill("7,5")
    page.locator("#id_repetitiveness").select_option("5")
    page.locator("#id_digital_input").select_option("4")
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "30-diagnostic-tache.png", full_page=True)
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", level=1, name="Diagnostic numérique — Ressources humaines").wait_for()
    row = page.get_by_role("table", name="Tâches du service").get_by_role("row", name=TASK)
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[:4] == ["Messagerie", "40", "7,50", "60"]  # 40 × 12 × 7.5 ÷ 60 = 60 h a year
    assert serious_violations(page) == []
    context.close()


def test_lead_reads_the_heat_map_the_radar_the_roadmap_and_the_opportunities(server, browser):
    base, _ = server
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base, username="pilotage.demo")
    page.goto(f"{base}/diagnostic/")
    services = page.get_by_role("table", name="Avancement du diagnostic, service par service")
    assert services.locator("tbody th a").count() == 17
    assert serious_violations(page) == []

    page.get_by_role("link", name="Où l'IA aide vraiment : les tâches classées").click()
    page.get_by_role("heading", level=1, name="Où l'IA aide vraiment").wait_for()
    assert page.get_by_role("img", name="Carte des heures par an").count() == 1
    assert page.get_by_role("table", name="Heures par an par service et par recommandation").count() == 1
    ranked = page.get_by_role("table", name="Tâches par score d'opportunité, la meilleure d'abord")
    assert ranked.locator("tbody tr").first.locator("th").inner_text() == "Rapprocher bons de commande et factures"
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "31-diagnostic-opportunites.png", full_page=True)

    page.goto(f"{base}/diagnostic/")
    page.get_by_role("link", name="DSI", exact=True).click()
    page.get_by_role("heading", level=1, name="Diagnostic numérique — Direction des systèmes d'information").wait_for()
    assert page.get_by_role("img", name="Maturité numérique du service DSI").count() == 1
    assert page.get_by_role("link", name="Ajouter une tâche").count() == 0  # a lead reads, never edits
    assert page.get_by_role("heading", level=3, name="Séance du").count() >= 1  # its working group
    assert serious_violations(page) == []

    page.goto(f"{base}/diagnostic/")
    page.get_by_role("link", name="Feuille de route des chantiers").click()
    page.get_by_role("heading", level=1, name="Feuille de route des chantiers").wait_for()
    assert page.get_by_role("img", name="Matrice valeur × effort de 8 chantiers").count() == 1
    table = page.get_by_role("table", name="Chantiers de la feuille de route, dans l'ordre où les lancer")
    assert table.locator("tbody tr").count() == 8
    awareness = page.get_by_role("table", name="Sensibilisation et groupes de travail, service par service")
    assert awareness.locator("tbody tr").count() == 17
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "32-diagnostic-feuille-de-route.png", full_page=True)
    context.close()
