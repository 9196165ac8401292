"""Questions a new agent asked in the browser (issue « answers that hold on any town's documents »): the fact is in
the answer's text, not only in the collapsed source; no validated answer to a neighbouring question."""

from __future__ import annotations

from tests.e2e.conftest import ask, log_in, serious_violations


def answer_text(page) -> str:
    """What the agent reads without opening anything: the last answer's text."""
    return page.locator("article.exchange").last.locator(".answer-text").inner_text()


def test_rtt_vpn_and_part_time_questions_are_answered_in_the_text(server, browser):
    base, _ = server
    page = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")  # an agent on a phone
    log_in(page, base)

    ask(page, "Comment poser un jour de RTT ?")
    exchange = page.locator("article.exchange").last
    # How, not how many: the page's sentence on asking for it, not the entry « Combien de jours de RTT… ».
    assert "2 jours ouvrés" in answer_text(page)
    assert "Réponse à la question" not in exchange.inner_text()
    assert " > " not in answer_text(page)  # no heading glued into a sentence

    ask(page, "Comment me connecter au VPN depuis chez moi ?")
    exchange = page.locator("article.exchange").last
    assert "Passerelle" in answer_text(page) and "Se connecter" in answer_text(page)
    assert "Réponse à la question" not in exchange.inner_text()  # not « Le VPN ne se connecte pas, que faire ? »
    assert "Quand faut-il se connecter au VPN ?" not in answer_text(page)  # a heading is not an answer

    ask(page, "je veux passer à 80 %, c'est possible ?")
    assert "Je n'ai pas trouvé" not in answer_text(page)
    assert "80" in answer_text(page)
    assert serious_violations(page) == []
    page.close()
