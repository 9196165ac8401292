"""The dashboard in a real browser: a digital lead reads the figures; a référent turns a gap into a FAQ entry."""

from __future__ import annotations

import re

from tests.e2e.conftest import SCREENSHOTS, ask, log_in, serious_violations

ANSWER = "Réponse validée par le service RH (démonstration) : posez votre demande dans le Portail Agent."
# The recurring questions the demo documents do not answer (relais.demo.simulate.GAP_TOPICS): which of them a
# month of simulated use groups into a gap with several wordings depends on the draw, not on one topic.
TITRES = re.compile(r"titres?[- ]restaurant", re.IGNORECASE)
VIEWPORT = {"width": 1280, "height": 900}

# Every table that runs past the right edge of the window, unless it scrolls inside its own box, reachable by
# keyboard (tabindex="0") and named for a screen reader; the page itself never scrolls sideways.
TABLES_PAST_THE_EDGE = """() => {
  const width = document.documentElement.clientWidth;
  const name = (box) => (box.getAttribute('aria-label') || '').trim() || (box.getAttribute('aria-labelledby') || '')
    .split(/\\s+/).map((id) => document.getElementById(id)).filter(Boolean).map((n) => n.textContent.trim()).join(' ');
  const past = [];
  if (document.documentElement.scrollWidth > width) past.push(`the page: ${document.documentElement.scrollWidth}px`);
  for (const table of document.querySelectorAll('table')) {
    if (table.getBoundingClientRect().right <= width) continue;
    let box = table.parentElement;
    while (box && box !== document.body && !['auto', 'scroll'].includes(getComputedStyle(box).overflowX)) {
      box = box.parentElement;
    }
    const scrolls = box && box !== document.body && box.getAttribute('tabindex') === '0' && name(box) &&
      box.getBoundingClientRect().right <= width;
    if (!scrolls) past.push((table.caption ? table.caption.textContent : table.outerHTML).trim().slice(0, 80));
  }
  return past;
}"""

# Chart texts drawn past their chart's edges, which the browser cuts (« H › Congés et temps de trav »).
CHART_TEXTS_CUT = """() => [...document.querySelectorAll('svg.chart')].flatMap((svg) => {
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter((text) => {
    const r = text.getBoundingClientRect();
    return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
  }).map((text) => text.textContent);
})"""


def readable_at_1280(page) -> None:
    assert page.evaluate(TABLES_PAST_THE_EDGE) == []
    assert page.evaluate(CHART_TEXTS_CUT) == []


def test_digital_lead_reads_the_dashboard(simulated, browser):
    base = simulated
    context = browser.new_context(locale="fr-FR", viewport=VIEWPORT)
    page = context.new_page()
    log_in(page, base, username="pilotage.demo")
    page.get_by_role("link", name="Pilotage").click()
    page.get_by_role("heading", level=1, name="Pilotage de l'assistant").wait_for()
    assert serious_violations(page) == []
    # Figures with their formula, charts with a text alternative, a table per chart.
    assert "Part de l'objectif de 15 %" in page.locator(".key-figures").inner_text().replace("\u00a0", " ")
    assert page.get_by_role("img", name="Part de l'objectif de 15").count() == 1
    assert page.get_by_role("table", name="Heures économisées par service").count() == 1
    readable_at_1280(page)
    page.screenshot(path=SCREENSHOTS / "10-pilotage.png", full_page=True)
    # Filter on one service, by keyboard-reachable controls.
    page.get_by_label("Service", exact=True).select_option("RH")
    page.get_by_label("Regrouper l’évolution par").select_option("month")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**service=RH**")
    services = page.get_by_role("table", name="Usage par service").locator("tbody th").all_inner_texts()
    assert services == ["RH", "Total"]
    assert page.get_by_role("table", name="Évolution par mois").count() == 1
    readable_at_1280(page)  # three months: the chart's legend is as wide as the weeks' chart was
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
    readable_at_1280(page)
    # The report as HTML, read in the browser or printed: its widest tables too.
    page.go_back()
    page.get_by_role("link", name="Version HTML").click()
    page.get_by_role("heading", level=1, name="Relais — rapport de la période d'évaluation").wait_for()
    readable_at_1280(page)
    assert serious_violations(page) == []
    context.close()


def test_referent_creates_a_faq_entry_from_a_gap_and_agents_get_it(simulated, browser):
    base = simulated
    context = browser.new_context(locale="fr-FR", viewport=VIEWPORT)
    page = context.new_page()
    log_in(page, base, username="referent.rh")
    page.goto(f"{base}/pilotage/lacunes/")
    assert (
        page.get_by_label("Service", exact=True).input_value() == "RH"
    )  # a référent lands on their own service's gaps
    assert serious_violations(page) == []
    # The titres-restaurant gap: test_first_week_in_chromium fills the month's first other gap, on the same
    # server, and two FAQ entries cannot share a question.
    gap = page.locator("li.gap", has_text=TITRES, has=page.locator("ul.gap-examples")).first
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
    # Saving embeds the entry's phrasings, on a server whose worker may be embedding the month's questions for the
    # gap pages at the same moment (2 cores in CI): a slow save, not a failed one (a failed save shows its errors).
    page.get_by_text("a été ajouté avec succès").or_(page.locator(".errornote")).wait_for(timeout=90_000)
    assert page.locator(".errornote").count() == 0, page.locator(".errornote, .errorlist").all_inner_texts()
    context.close()

    agent_context = browser.new_context(locale="fr-FR")
    agent = agent_context.new_page()
    log_in(agent, base)
    ask(agent, label)
    assert ANSWER in agent.locator("article.exchange").last.inner_text()
    agent_context.close()
