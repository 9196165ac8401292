"""The chat in a real browser: ask, read the sources, give feedback, see an abstention; phone, keyboard, no JS."""

from __future__ import annotations

import re
import sqlite3

from tests.e2e.conftest import SCREENSHOTS, ask, log_in, serious_violations


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


def test_enter_pressed_three_times_sends_the_question_once(server, browser):
    base, database = server
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    log_in(page, base)
    question = "Comment poser un jour de RTT quand on est pressé ?"
    page.locator("#id_question").fill(question)
    for _ in range(3):
        page.locator("#id_question").press("Enter")
    page.locator("article.exchange:not(.exchange-pending)").first.wait_for()
    # Nothing in flight any more: the answer arrived, and a press that came after it (on a loaded machine) found
    # the box empty and asked for a question instead of sending one.
    page.locator("#etat", has_text=re.compile(r"Réponse reçue\.|Écrivez votre question avant d'envoyer\.")).wait_for()
    with sqlite3.connect(database) as db:
        stored = db.execute("select count(*) from assistant_exchange where question = ?", (question,)).fetchone()
    assert stored == (1,)
    assert page.locator("article.exchange").count() == 1
    page.close()


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
