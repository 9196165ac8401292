"""The agent's round trip in a real browser: ask → escalate → the handler puts the ticket « En attente » with a
question → the agent sees the unread mark, opens the ticket, reads their own request and the question, replies →
« En cours » → the handler sees the reply. The demo's e-mails land in its mailbox, never a refused connection."""

from __future__ import annotations

import re

from tests.e2e.conftest import SCREENSHOTS, ask, log_in, serious_violations

QUESTION = "Quel est le numéro inscrit sur l'étiquette de l'imprimante ?"
ANSWER = "C'est la HP-204, dans la salle du courrier."


def test_the_agent_is_told_of_the_handlers_question_and_answers_it_in_the_ticket(server, browser):
    base, _ = server
    agent_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    agent = agent_context.new_page()
    log_in(agent, base)
    ask(agent, "L'imprimante du deuxième étage affiche bourrage papier en permanence")
    agent.locator("article.exchange").last.get_by_role("link", name="Transmettre à un agent").click()
    agent.get_by_label("Service destinataire").select_option("DSI")
    agent.get_by_label("Votre demande").fill("L'imprimante du 2e étage affiche « bourrage » depuis ce matin.")
    agent.get_by_role("button", name="Envoyer la demande").click()
    ticket = agent.locator("article.ticket").last
    ticket.wait_for()
    reference = ticket.get_by_role("heading").inner_text().split()[1]
    conversation_url = agent.url.split("#")[0]

    handler_context = browser.new_context(locale="fr-FR")
    handler = handler_context.new_page()
    log_in(handler, base, username="referent.dsi")
    handler.goto(f"{base}/traitement/")
    handler.get_by_role("link", name=reference).click()
    handler.get_by_label("Réponse à l'agent").fill(QUESTION)
    handler.get_by_label("Statut").select_option(label="En attente")
    handler.get_by_role("button", name="Enregistrer").click()
    handler.get_by_text(f"Demande {reference} mise à jour.").wait_for()

    # The agent: the header counts it in words; opening the conversation shows its ticket « nouveau » this once
    # and reads the notification, so the header no longer counts it.
    agent.goto(f"{base}/demandes/")
    nav = agent.get_by_role("navigation", name="Menu principal")
    assert nav.get_by_role("link", name=re.compile(r"Notifications \(1 non lue\)")).count() == 1, nav.inner_html()
    agent.goto(conversation_url)
    ticket = agent.locator("article.ticket").last
    assert "En attente" in ticket.inner_text() and "nouveau" in ticket.inner_text()
    assert agent.get_by_role("link", name=re.compile(r"Notifications \(")).count() == 0
    assert serious_violations(agent) == []
    agent.get_by_role("link", name="Notifications", exact=True).click()
    agent.get_by_role("heading", name="Notifications").wait_for()
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "notifications-1-page.png", full_page=True)
    agent.get_by_role("link", name=re.compile(f"Le service DSI a répondu à votre demande {reference}")).click()

    agent.get_by_role("heading", name=re.compile(f"Demande {reference}")).wait_for()
    main = agent.locator("main").inner_text()
    assert "L'imprimante du 2e étage affiche « bourrage » depuis ce matin." in main  # their own request
    assert QUESTION in main and "En attente" in main
    assert agent.get_by_role("link", name=re.compile(r"Notifications \(")).count() == 0  # read once opened
    assert serious_violations(agent) == []
    agent.get_by_label("Votre réponse").fill(ANSWER)
    agent.get_by_role("button", name="Envoyer ma réponse").click()
    agent.get_by_text("Votre réponse a été transmise au service DSI.").wait_for()
    assert "En cours" in agent.locator("dl").inner_text() and ANSWER in agent.locator("main").inner_text()
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "notifications-2-reponse-agent.png", full_page=True)

    # The demo's mailbox shows the e-mail the handler's reply sent to the agent.
    # The worker sends it from the outbox a moment after the reply: look again until it is there (at most ~30 s).
    agent.goto(f"{base}/notifications/courriels/")
    for _ in range(30):
        if QUESTION in agent.locator("main").inner_text():
            break
        agent.wait_for_timeout(1000)
        agent.reload()
    assert QUESTION in agent.locator("main").inner_text()
    assert serious_violations(agent) == []

    # The handler: told of the reply, sees it and the status back to « En cours ».
    handler.goto(f"{base}/traitement/")
    assert handler.get_by_role("link", name=re.compile(r"Notifications \(1 non lue\)")).count() == 1
    handler.goto(f"{base}/notifications/")
    handler.get_by_role("link", name=re.compile(f"Camille Martin a répondu dans la demande {reference}")).click()
    handler.get_by_role("heading", name=re.compile(f"Demande {reference}")).wait_for()
    main = handler.locator("main").inner_text()
    assert ANSWER in main and "En cours" in main
    assert serious_violations(handler) == []
    handler.screenshot(path=SCREENSHOTS / "notifications-3-traitement.png", full_page=True)
    handler_context.close()
    agent_context.close()
