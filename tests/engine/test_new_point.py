"""A follow-up's new point (engine/french/new_point.py) and answers that speak of it (compose_extractive)."""

from dataclasses import replace

import pytest

from relais.engine.answers.decision import SHIPPED_MODEL
from relais.engine.answers.extractive import Evidence, compose_extractive, not_covered
from relais.engine.french.new_point import new_point, speaks_of

VPN = "Comment me connecter au VPN depuis chez moi ?"
TELEWORK = "Combien de jours de télétravail par semaine ?"


@pytest.mark.parametrize(
    ("follow_up", "previous", "words"),
    [
        ("et sur un mac perso ça marche ?", VPN, ("mac", "perso")),
        ("et pour les contractuels ?", TELEWORK, ("contractuels",)),
        ("et pour le VPN ?", VPN, ()),  # nothing the previous question did not say
        ("c'est combien ?", TELEWORK, ()),  # an interrogative names no point
    ],
)
def test_the_new_point_is_what_the_follow_up_adds(follow_up, previous, words):
    point = new_point(follow_up, previous)
    assert point.words == words and bool(point) == bool(words)


def test_a_text_speaks_of_the_point_by_the_same_word_or_one_it_begins():
    point = new_point("et sur un mac perso ça marche ?", VPN)
    assert speaks_of("Il ne peut pas être installé sur un ordinateur personnel.", point)  # perso → personnel
    assert speaks_of("Les Mac de la commune ont le VPN.", point)
    assert not speaks_of("Si le VPN ne marche pas, ouvrez un ticket.", point)  # « marche » is no point


GENERAL = (
    "Le télétravail est possible jusqu'à deux jours par semaine. Il se demande dans le Portail Agent. "
    "Le matériel est fourni par la DSI."
)
CONTRACT = "Les agents contractuels peuvent télétravailler dès leur arrivée, dans les mêmes conditions."


def page(passage_id: int, document_id: int, text: str, title: str, fused: float) -> Evidence:
    return Evidence(passage_id, document_id, title, ("Conditions",), text, 0.9, fused)


def test_a_follow_up_is_answered_from_the_page_that_speaks_of_its_point():
    evidence = [page(1, 1, GENERAL, "Télétravail", 1.0), page(2, 2, CONTRACT, "Agents contractuels", 0.6)]
    answer = compose_extractive(
        f"{TELEWORK} et pour les contractuels ?",
        evidence,
        replace(SHIPPED_MODEL, intercept=1000.0),
        point=new_point("et pour les contractuels ?", TELEWORK),
    )
    assert answer.mode == "extractive" and answer.citations[0].document_id == 2
    assert "contractuels peuvent télétravailler" in answer.text


def test_a_follow_up_no_page_speaks_of_says_so_and_offers_a_human():
    evidence = [page(1, 1, GENERAL, "Télétravail", 1.0)]
    point = new_point("et pour les stagiaires ?", TELEWORK)
    answer = compose_extractive(
        f"{TELEWORK} et pour les stagiaires ?", evidence, replace(SHIPPED_MODEL, intercept=1000.0), point=point
    )
    assert answer.mode == "none" and answer.text == not_covered(point)
    assert answer.text == "La documentation ne dit rien de précis sur ce point (« stagiaires »)."
    assert answer.suggestions and answer.suggestions[0].document_id == 1
    # Without the point (not a follow-up), the same page answers.
    plain = compose_extractive(TELEWORK, evidence, replace(SHIPPED_MODEL, intercept=1000.0))
    assert plain.mode == "extractive"
