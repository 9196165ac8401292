"""The chat as people now expect it, in a real browser: example questions, follow-ups, citation links, copy, edit and
resend; conversations renamed, searched, deleted and grouped by day; the same without JavaScript and on a phone.
"""

from __future__ import annotations

import re
import sqlite3

from tests.e2e.conftest import SCREENSHOTS, ask, log_in, serious_violations

WITH_FOLLOW_UPS = "Quel est le barème des indemnités kilométriques ?"  # its page has other FAQ entries
EXTRACT = "Comment renvoyer ma ligne fixe vers mon portable professionnel ?"  # no FAQ entry: quoted, with « [1] »


def exchanges_of(database, conversation_id: int) -> list[str]:
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "select question from assistant_exchange where conversation_id = ? order by id", (conversation_id,)
        )
        return [question for (question,) in rows]


def conversation_id(url: str) -> int:
    return int(re.search(r"/conversations/(\d+)/", url)[1])


def test_examples_follow_ups_sources_copy_and_edit_with_javascript(server, browser):
    base, database = server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = context.new_page()
    log_in(page, base)

    examples = page.locator("section.examples")
    assert examples.get_by_role("heading", name="Exemples de questions").is_visible()
    assert examples.locator("h3").count() >= 2  # one group per service (RH, DSI)
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "chat-1-exemples.png", full_page=True)

    example = examples.locator("button.suggestion").first
    question = example.inner_text()
    example.click()
    page.locator("article.exchange").first.wait_for()
    page.locator("#etat", has_text="Réponse reçue.").wait_for()
    answer = page.locator("article.exchange").first
    assert answer.locator("h2.question").inner_text().endswith(question)
    assert page.locator("section.examples").count() == 0  # the chat is no longer empty
    conversation = conversation_id(page.url)
    assert exchanges_of(database, conversation) == [question]

    # Follow-ups, from the knowledge base (here the other FAQ entries of the cited page), ask in the same conversation.
    ask(page, WITH_FOLLOW_UPS)
    answer = page.locator("article.exchange").nth(1)
    follow_ups = answer.locator(".follow-ups button.suggestion")
    assert follow_ups.count() >= 1
    follow_up = follow_ups.first.inner_text()
    follow_ups.first.click()
    page.locator("article.exchange").nth(2).wait_for()
    assert exchanges_of(database, conversation) == [question, WITH_FOLLOW_UPS, follow_up]
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "chat-2-suites.png", full_page=True)

    # An extract: its citation marker « [1] » is a link that opens its source.
    ask(page, EXTRACT)
    latest = page.locator("article.exchange").last
    latest.locator("a.citation-ref").first.click()
    assert latest.locator("ol.sources details").first.get_attribute("open") is not None
    assert latest.locator("blockquote.passage").first.is_visible()

    # Copy: the answer and its sources on the clipboard, « Copié » shown and announced (a polite status).
    copy = latest.locator("button.copy-answer")
    assert copy.inner_text() == "Copier la réponse"
    copy.click()
    latest.get_by_role("button", name="Copié").wait_for()
    status = page.locator("#etat")
    assert status.get_attribute("role") == "status"
    assert status.inner_text() == "Copié : la réponse et ses sources sont dans le presse-papiers."
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == copy.get_attribute("data-copy") and "\n\nSources :\n[1] " in copied
    page.screenshot(path=SCREENSHOTS / "chat-3-copie.png", full_page=True)

    # Edit and resend: the question comes back in the field, is changed and asked again in the same conversation.
    page.locator("article.exchange").first.get_by_role("link", name=re.compile("^Modifier et renvoyer")).click()
    field = page.get_by_role("textbox", name="Votre question")
    assert field.input_value() == question
    assert page.evaluate("document.activeElement.id") == "id_question"
    field.fill(f"{question} Et pour un agent contractuel ?")
    field.press("Enter")
    page.locator("article.exchange").nth(4).wait_for()
    assert page.locator("article.exchange").count() == 5
    assert exchanges_of(database, conversation)[-1] == f"{question} Et pour un agent contractuel ?"
    assert conversation_id(page.url) == conversation
    assert serious_violations(page) == []
    context.close()


def test_conversations_are_renamed_searched_deleted_and_grouped_by_day(server, browser):
    base, database = server
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    log_in(page, base, "responsable.mediatheque")
    ask(page, "Comment poser un jour de RTT ?")
    conversation = conversation_id(page.url)
    page.goto(f"{base}/conversations/{conversation}/")
    history = page.get_by_role("navigation", name="Mes conversations")
    assert history.get_by_role("heading", name="Aujourd'hui").is_visible()
    assert history.get_by_role("link", name="Comment poser un jour de RTT ?").get_attribute("aria-current") == "page"
    assert page.get_by_role("heading", level=1).inner_text() == "Comment poser un jour de RTT ?"

    page.locator("details.rename summary").click()
    page.get_by_label("Nom de la conversation").fill("Mes RTT de décembre")
    page.get_by_role("button", name="Enregistrer le nom").click()
    page.get_by_text("Conversation renommée « Mes RTT de décembre ».").wait_for()
    assert page.get_by_role("heading", level=1).inner_text() == "Mes RTT de décembre"
    assert history.get_by_role("link", name="Mes RTT de décembre").is_visible()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "chat-4-renommee.png", full_page=True)

    page.get_by_label("Rechercher dans mes conversations").fill("RTT")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_text("1 conversation pour « RTT »").wait_for()
    page.get_by_label("Rechercher dans mes conversations").fill("cantine")
    page.get_by_role("button", name="Rechercher").click()
    page.get_by_text("Aucune conversation pour « cantine »").wait_for()
    assert serious_violations(page) == []

    page.goto(f"{base}/conversations/{conversation}/")
    page.get_by_role("link", name="Supprimer la conversation").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Supprimer la conversation « Mes RTT de décembre » ?"
    assert "durée de conservation" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.screenshot(path=SCREENSHOTS / "chat-5-suppression.png", full_page=True)
    page.get_by_role("button", name="Supprimer la conversation").click()
    page.get_by_text("Conversation « Mes RTT de décembre » supprimée.").wait_for()
    assert page.get_by_role("navigation", name="Mes conversations").get_by_text("Mes RTT").count() == 0
    assert page.goto(f"{base}/conversations/{conversation}/").status == 404
    with sqlite3.connect(database) as db:  # kept for the measurement until the retention purge
        (hidden,) = db.execute("select hidden_at from assistant_conversation where id = ?", (conversation,)).fetchone()
    assert hidden is not None
    page.close()


def test_the_same_without_javascript_and_on_a_phone(server, browser):
    base, database = server
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    log_in(page, base, "referent.rh")
    example = page.locator("section.examples button.suggestion").first
    question = example.inner_text()
    example.click()  # a plain form: the answer comes on the conversation's page
    page.wait_for_url("**/conversations/**")
    conversation = conversation_id(page.url)
    assert exchanges_of(database, conversation) == [question]
    assert page.get_by_role("button", name="Copier la réponse").count() == 0  # needs the script: not shown
    page.get_by_role("textbox", name="Votre question").fill(WITH_FOLLOW_UPS)
    page.get_by_role("button", name="Envoyer").click()
    page.locator("article.exchange").nth(1).wait_for()
    follow_up = page.locator("article.exchange").nth(1).locator(".follow-ups button.suggestion").first
    follow_up_text = follow_up.inner_text()
    follow_up.click()
    page.locator("article.exchange").nth(2).wait_for()
    assert exchanges_of(database, conversation) == [question, WITH_FOLLOW_UPS, follow_up_text]
    assert conversation_id(page.url) == conversation
    page.locator("article.exchange").first.get_by_role("link", name=re.compile("^Modifier et renvoyer")).click()
    assert page.get_by_role("textbox", name="Votre question").input_value() == question

    # The same conversation on a phone (390 px): no sideways scroll, nothing serious for axe.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="fr-FR")
    small = phone.new_page()
    log_in(small, base, "referent.rh")
    assert small.evaluate("document.documentElement.scrollWidth") <= 390  # the empty chat, with its examples
    small.goto(f"{base}/conversations/{conversation}/")
    width = small.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the conversation scrolls sideways on a phone ({width}px)"
    assert serious_violations(small) == []
    small.screenshot(path=SCREENSHOTS / "chat-6-telephone.png", full_page=True)
    phone.close()

    page.locator("details.rename summary").click()
    page.get_by_label("Nom de la conversation").fill("Sans script")
    page.get_by_role("button", name="Enregistrer le nom").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Sans script"
    page.get_by_role("link", name="Supprimer la conversation").click()
    page.get_by_role("button", name="Supprimer la conversation").click()
    page.get_by_text("Conversation « Sans script » supprimée.").wait_for()
    context.close()
