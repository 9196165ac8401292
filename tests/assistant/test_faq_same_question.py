"""A curated FAQ answer only for the same question: close in meaning is not enough (issue « answers that hold »)."""

import pytest

from relais.assistant.models import Conversation
from relais.assistant.pipeline import ask

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]


def test_how_to_take_a_rtt_day_is_not_answered_by_how_many_rtt_days():
    answer = ask("Comment poser un jour de RTT ?", log=False).answer
    assert answer.mode == "extractive" and answer.faq_question == ""
    assert ">" not in answer.text  # no heading glued into the quoted sentences
    assert ask("Combien de jours de RTT ai-je ?", log=False).answer.faq_question.startswith("Combien de jours de RTT")


def test_how_to_connect_to_the_vpn_is_not_answered_by_when_to_connect():
    answer = ask("Comment me connecter au VPN depuis chez moi ?", log=False).answer
    assert answer.faq_question != "Quand faut-il se connecter au VPN ?"
    assert ask("Quand faut-il se connecter au VPN ?", log=False).answer.faq_question == (
        "Quand faut-il se connecter au VPN ?"
    )


def test_a_follow_up_is_answered_about_what_it_adds():
    # « et sur un mac perso ? » after a VPN question: not the VPN troubleshooting entry (« vpn marche pas »), but
    # the page's sentence on personal computers.
    conversation = Conversation.objects.create()
    ask("Comment me connecter au VPN depuis chez moi ?", conversation=conversation)
    answer = ask("et sur un mac perso ça marche ?", conversation=conversation).answer
    assert answer.mode == "extractive" and answer.faq_question == ""
    assert answer.text.startswith("Il ne peut pas être installé sur un ordinateur personnel")


def test_a_follow_up_the_documents_say_nothing_of_is_told_so():
    conversation = Conversation.objects.create()
    ask("Combien de jours de télétravail par semaine ?", conversation=conversation)
    answer = ask("et pour les apprentis ?", conversation=conversation).answer
    assert answer.mode == "none"
    assert answer.text == "La documentation ne dit rien de précis sur ce point (« apprentis »)."
