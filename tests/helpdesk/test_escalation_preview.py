"""« Ce qui sera joint »: the ticket form shows exactly what the service receives (issue 19, item 2)."""

import re
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from relais.assistant.models import Conversation, Exchange
from relais.helpdesk.models import Ticket

pytestmark = pytest.mark.django_db

QUESTIONS = [
    "Combien de jours de congés ai-je par an ?",
    "Et pour les RTT, comment les poser ?",
    "Qui valide mes RTT pendant l'été ?",
]


def joined_section(page: str) -> str:
    """The form's « Ce qui sera joint » block."""
    joined = re.search(r"<details[^>]*>\s*<summary>Ce qui sera joint.*?</details>", page, re.S)
    assert joined, "no « Ce qui sera joint » on the form"
    return unescape(joined.group(0))


def preview_entries(page: str) -> list[tuple[str, str]]:
    """The (question, answer) pairs the form lists under « Ce qui sera joint »."""
    entries = re.findall(r"<li class=\"transcript-entry\">(.*?)</li>", joined_section(page), re.S)
    pairs = []
    for entry in entries:
        question, answer = (re.sub(r"<[^>]+>", "", part).split(" :", 1)[1].strip() for part in entry.split("</p>")[:2])
        pairs.append((question, answer))
    return pairs


def sent_entries(transcript: str) -> list[tuple[str, str]]:
    """The (question, answer) pairs of the ticket's transcript, as the handler and the connectors get it."""
    questions = re.findall(r"^Agent : (.*)$", transcript, re.M)
    answers = re.findall(r"^Relais \([^)]*\) : (.*)$", transcript, re.M)
    return list(zip(questions, answers, strict=True))


def test_the_preview_lists_every_exchange_sent_and_nothing_later():
    agent = get_user_model().objects.create_user("agent.apercu", password="x")
    conversation = Conversation.objects.create(user=agent)
    exchanges = []
    for k, question in enumerate(QUESTIONS, 1):
        exchanges.append(
            Exchange.objects.create(
                conversation=conversation, user=agent, question=question, search_query=question,
                answer=f"Réponse n° {k} : voir la note de service « temps de travail ».", mode="extractive",
                confidence=0.5, latency_ms=5,
            )
        )  # fmt: skip
    client = Client()
    client.force_login(agent)
    escalated = exchanges[1]
    page = client.get(f"/echanges/{escalated.pk}/transmettre/").content.decode()
    assert QUESTIONS[0] in joined_section(page)  # the earlier exchange is sent: the agent sees it
    shown = preview_entries(page)
    assert [question for question, _ in shown] == QUESTIONS[:2]  # the earlier exchange too, never the later one
    assert QUESTIONS[2] not in page

    response = client.post(
        f"/echanges/{escalated.pk}/transmettre/",
        {"title": "RTT", "description": "Comment poser mes RTT ?", "service": "RH", "category": "", "urgency": 2},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert sent_entries(ticket.transcript) == shown  # what the agent saw is exactly what the handler receives


def test_a_single_exchange_is_previewed_alone():
    agent = get_user_model().objects.create_user("agent.seul", password="x")
    conversation = Conversation.objects.create(user=agent)
    exchange = Exchange.objects.create(
        conversation=conversation, user=agent, question=QUESTIONS[0], search_query=QUESTIONS[0],
        answer="Je ne sais pas.", mode="none", confidence=0, latency_ms=5,
    )  # fmt: skip
    client = Client()
    client.force_login(agent)
    page = client.get(f"/echanges/{exchange.pk}/transmettre/").content.decode()
    assert preview_entries(page) == [(QUESTIONS[0], "Je ne sais pas.")]
    assert "votre échange avec l'assistant" in unescape(page)
