"""The ordre de mission in a real browser: chat question → guided form → invalid date corrected → confirmed →
PDF downloaded and read back → the manager approves → RH approves and sees it « Validée »."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from pypdf import PdfReader

from tests.e2e.conftest import SCREENSHOTS, ask, log_in, serious_violations
from tests.procedures.dates import long_form, mission_dates, period, spoken

START, END = mission_dates()
QUESTION = f"Je dois faire un ordre de mission pour une formation à Lyon {period(START, END)}"


def answer_text(page, value: str) -> None:
    page.get_by_role("textbox").first.fill(value)
    page.get_by_role("button", name="Continuer").click()


def choose(page, label: str) -> None:
    page.get_by_label(label, exact=True).check()
    page.get_by_role("button", name="Continuer").click()


def test_agent_requests_an_ordre_de_mission_manager_and_rh_approve(server, browser):
    base, _ = server
    agent_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    agent = agent_context.new_page()
    log_in(agent, base)
    ask(agent, QUESTION)
    agent.locator("article.exchange").last.get_by_role("button", name="Commencer la démarche").click()

    agent.get_by_role("heading", name="Demande d'ordre de mission").wait_for()
    assert "Lyon" in agent.locator(".prefilled").inner_text()  # read from the question
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "20-demarche-question.png", full_page=True)
    answer_text(agent, "Accueil des publics en médiathèque")  # intitulé
    answer_text(agent, "7 h 30")  # heure de départ
    answer_text(agent, "19 h")  # heure de retour
    choose(agent, "Véhicule personnel")
    choose(agent, "6 et 7 CV")
    answer_text(agent, "180")
    agent.get_by_role("button", name="Passer").click()  # kilomètres déjà parcourus: optional
    choose(agent, "Oui, un hôtel réservé par la commune")
    choose(agent, "Grande ville (200 000 habitants et plus) ou métropole du Grand Paris")
    choose(agent, "Non")  # repas fournis
    choose(agent, "Non")  # avance
    agent.get_by_role("button", name="Passer").click()  # commentaire

    summary = agent.locator("main")
    summary.get_by_text("Vérifiez votre demande avant de l'envoyer.").wait_for()
    assert "73,80 €" in summary.inner_text()  # 180 km × 0,41 €, from the barème document
    # A return date before the departure is refused with a clear message, then corrected.
    agent.get_by_role("link", name="Modifier Date de retour").click()
    answer_box = agent.get_by_role("textbox").first
    answer_box.fill(spoken(START - timedelta(days=1)))
    agent.get_by_role("button", name="Enregistrer").click()
    alert = agent.get_by_role("alert")
    assert "ne peut pas être avant « Date de départ »" in alert.inner_text()
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "21-demarche-date-invalide.png", full_page=True)
    agent.get_by_role("textbox").first.fill(spoken(END))
    agent.get_by_role("button", name="Enregistrer").click()
    summary.get_by_text("Vérifiez votre demande avant de l'envoyer.").wait_for()
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "22-demarche-recapitulatif.png", full_page=True)
    # The same answers as one form: saved unchanged, back to the summary.
    agent.get_by_role("link", name="Tout modifier sur une seule page").click()
    agent.get_by_role("button", name="Enregistrer et continuer").wait_for()
    assert agent.get_by_label("Où se déroule la mission (ville) ?").input_value() == "Lyon"
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "26-demarche-formulaire.png", full_page=True)
    agent.get_by_role("button", name="Enregistrer et continuer").click()
    summary.get_by_text("Vérifiez votre demande avant de l'envoyer.").wait_for()
    agent.get_by_role("button", name="Confirmer et envoyer").click()
    confirmation = agent.get_by_text(re.compile(r"Votre demande OM-\d{4}-\d{4} est envoyée"))
    confirmation.wait_for()
    reference = re.search(r"OM-\d{4}-\d{4}", confirmation.inner_text()).group(0)
    assert "En attente de validation" in summary.inner_text()
    with agent.expect_download() as download:
        agent.get_by_role("link", name="Télécharger la demande (PDF)").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = " ".join(" ".join(page.extract_text() for page in pdf.pages).split())
    for expected in (reference, "Demande d'ordre de mission", "Camille Martin", "Lyon", long_form(END),
                     "Véhicule personnel", "73,80 €", "En attente de validation"):  # fmt: skip
        assert expected in text, expected
    run_url = agent.url

    manager_context = browser.new_context(locale="fr-FR")
    manager = manager_context.new_page()
    log_in(manager, base, username="responsable.mediatheque")
    manager.get_by_role("link", name="Demandes à valider").click()
    assert serious_violations(manager) == []
    manager.get_by_role("link", name=reference).first.click()  # « à valider » comes first
    manager.get_by_label("Commentaire (obligatoire en cas de refus)").fill("Bon pour accord")
    assert serious_violations(manager) == []
    manager.get_by_role("button", name="Approuver").click()
    manager.get_by_text(f"Demande {reference} approuvée.").wait_for()
    manager_context.close()

    rh_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    rh = rh_context.new_page()
    log_in(rh, base, username="referent.rh")
    rh.get_by_role("link", name="Demandes à valider").click()
    rh.get_by_role("link", name=reference).first.click()
    assert "Bon pour accord" in rh.locator("main").inner_text()  # the manager's decision is on the request
    rh.get_by_role("button", name="Approuver").click()
    rh.get_by_text(f"Demande {reference} approuvée.").wait_for()
    row = rh.get_by_role("row").filter(has_text=reference)
    assert "Validée" in row.inner_text()
    assert serious_violations(rh) == []
    rh.screenshot(path=SCREENSHOTS / "23-demarche-validee-rh.png", full_page=True)
    rh_context.close()

    agent.goto(run_url)
    assert "Validée" in agent.locator(".status").inner_text()
    agent.screenshot(path=SCREENSHOTS / "24-demarche-validee-agent.png", full_page=True)
    agent_context.close()

    # On a phone: the approved request reads without sideways scrolling.
    phone_context = browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = phone_context.new_page()
    log_in(phone, base)
    phone.goto(run_url)
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    assert serious_violations(phone) == []
    phone.screenshot(path=SCREENSHOTS / "25-demarche-telephone.png", full_page=True)
    phone_context.close()


def test_a_departure_moved_after_the_return_names_the_dates_and_blocks_confirmation(server, browser):
    """Issue 19: the hours were also said to be wrong (« … après Heure de départ (7 h 15) » for a return at
    19 h 30), and « Confirmer et envoyer » stayed active while the summary listed errors."""
    from playwright.sync_api import expect

    base, _ = server
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/demarches/")
    page.get_by_role("button", name="Demande d'ordre de mission").click()
    page.get_by_role("link", name="tout remplir sur une seule page").click()
    form = {"destination": "Lyon", "date_depart": spoken(START), "heure_depart": "7 h 15",
            "date_retour": spoken(END), "heure_retour": "19 h 30"}  # fmt: skip
    for name, value in form.items():
        page.locator(f"input[name={name}]").fill(value)
    for name, value in {"objet": "formation", "transport": "vehicule_service", "hebergement": "aucun",
                        "repas_fournis": "non", "avance": "non"}.items():  # fmt: skip
        page.locator(f"input[name={name}][value={value}]").check()
    page.get_by_role("button", name="Enregistrer et continuer").click()
    summary = page.locator("main")
    summary.get_by_text("Vérifiez votre demande avant de l'envoyer.").wait_for()
    confirm = page.get_by_role("button", name="Confirmer et envoyer")
    expect(confirm).to_be_enabled()

    page.get_by_role("link", name="Modifier Date de départ").click()
    page.get_by_role("textbox").first.fill(spoken(END + timedelta(days=3)))
    page.get_by_role("button", name="Enregistrer").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    problems = alert.get_by_role("listitem").all_inner_texts()
    later = long_form(END + timedelta(days=3))
    assert problems == [f"« Date de retour » ne peut pas être avant « Date de départ » ({later})."], problems
    assert page.locator("#champ-heure_retour .field-error").count() == 0  # 19 h 30 is not before 7 h 15
    expect(confirm).to_be_disabled()
    assert "Corrigez d'abord les réponses signalées." in summary.inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "27-demarche-dates-inversees.png", full_page=True)
    # A forged click (the attribute removed) is refused by the server all the same.
    confirm.evaluate("button => button.removeAttribute('disabled')")
    confirm.click()
    page.get_by_text("Complétez ou corrigez les réponses signalées avant de confirmer.").wait_for()
    assert "En cours de saisie" in page.locator("p.status").inner_text()  # still a draft

    page.get_by_role("link", name="Modifier Date de départ").click()
    page.get_by_role("textbox").first.fill(spoken(START))
    page.get_by_role("button", name="Enregistrer").click()
    summary.get_by_text("Vérifiez votre demande avant de l'envoyer.").wait_for()
    assert page.get_by_role("alert").count() == 0
    expect(page.get_by_role("button", name="Confirmer et envoyer")).to_be_enabled()
    context.close()
