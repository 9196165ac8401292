"""The escalation loop in a real browser: abstention → ticket → DSI handler replies and resolves → agent sees it."""

from __future__ import annotations

from tests.e2e.conftest import SCREENSHOTS, ask, log_in, serious_violations


def test_agent_transmits_the_dsi_handler_resolves_the_agent_sees_the_reply(server, browser):
    base, _ = server
    agent_context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    agent = agent_context.new_page()
    log_in(agent, base)
    ask(agent, "Mon écran reste noir quand je branche le vidéoprojecteur de la salle du conseil")
    exchange = agent.locator("article.exchange").last
    exchange.get_by_role("link", name="Transmettre à un agent").click()
    agent.get_by_role("heading", name="Transmettre votre question à un agent du service").wait_for()
    assert serious_violations(agent) == []
    agent.get_by_label("Service destinataire").select_option("DSI")
    agent.get_by_label("Urgence").select_option(label="Haute")
    agent.screenshot(path=SCREENSHOTS / "7-formulaire-demande.png", full_page=True)
    agent.get_by_role("button", name="Envoyer la demande").click()
    ticket = agent.locator("article.ticket").last
    ticket.wait_for()
    reference = ticket.get_by_role("heading").inner_text().split()[1]  # « Demande DSI-00001 au service DSI »
    assert reference.startswith("DSI-") and "Nouveau" in ticket.inner_text()
    conversation_url = agent.url.split("#")[0]

    handler_context = browser.new_context(locale="fr-FR")
    handler = handler_context.new_page()
    log_in(handler, base, username="referent.dsi")
    handler.get_by_role("link", name="Demandes à traiter").click()
    assert serious_violations(handler) == []
    handler.get_by_role("link", name=reference).click()
    assert "vidéoprojecteur" in handler.locator("main").inner_text()  # the agent's question and transcript are there
    handler.get_by_label("Réponse à l'agent").fill("Appuyez sur Windows + P puis choisissez « Dupliquer ».")
    handler.get_by_label("Statut").select_option(label="Résolu")
    handler.get_by_role("button", name="Enregistrer").click()
    handler.get_by_text(f"Demande {reference} mise à jour.").wait_for()
    assert serious_violations(handler) == []
    handler.screenshot(path=SCREENSHOTS / "8-traitement-dsi.png", full_page=True)
    handler_context.close()

    agent.goto(conversation_url)
    ticket = agent.locator("article.ticket").last
    assert "Résolu" in ticket.inner_text()
    assert "Appuyez sur Windows + P puis choisissez « Dupliquer »." in ticket.inner_text()
    assert serious_violations(agent) == []
    agent.screenshot(path=SCREENSHOTS / "9-reponse-du-service.png", full_page=True)
    agent_context.close()
