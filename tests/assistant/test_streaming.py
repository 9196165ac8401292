"""The chat's streamed answers (server-sent events) through Django's test client, with a Generator test double."""

from __future__ import annotations

import dataclasses
import json
import warnings

import pytest

from relais.assistant import pipeline
from relais.assistant.models import Exchange
from relais.engine.answers.generation import NOTICES
from tests.assistant.test_generation_pipeline import TELEPHONY, UNANSWERABLE, EchoGenerator

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]


@pytest.fixture()
def agent(client):
    assert client.login(username="agent.demo", password="valdebrume-demo")
    return client


@pytest.fixture
def llm(monkeypatch, settings):
    def install(generator):
        settings.RELAIS = dataclasses.replace(
            settings.RELAIS, generator="openai", llm_base_url="http://x/v1", llm_model="m"
        )
        monkeypatch.setattr(pipeline, "current_generator", lambda: generator)
        return generator

    return install


def events(response) -> list[tuple[str, dict]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sync test client consumes the async stream at once, and says so
        body = b"".join(response).decode()
    parsed = []
    for block in body.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        if lines:
            parsed.append((lines["event"], json.loads(lines["data"])))
    return parsed


def stream(client, question, conversation=""):
    return client.post("/poser/flux/", {"question": question, "conversation": conversation})


# Answered extractively with a confidence above RELAIS_VERIFY_BELOW: the generated answer is shown as checked.
SURE = "Comment activer l'application Clé Brume lors de ma première connexion ?"


def test_generated_answer_streams_then_the_verified_exchange_arrives(agent, llm):
    llm(EchoGenerator())
    response = stream(agent, SURE)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    assert response["Cache-Control"] == "no-cache"
    received = events(response)
    names = [name for name, _ in received]
    assert names[-1] == "final" and names.count("delta") >= 3 and set(names) == {"delta", "final"}
    streamed = "".join(data["text"] for name, data in received if name == "delta").strip()
    final = received[-1][1]
    assert final["mode"] == "generated" and final["notice"] == ""
    exchange = Exchange.objects.latest("pk")
    assert exchange.answer == streamed
    assert f'id="echange-{exchange.pk}"' in final["html"] and "vérifiée" in final["html"]
    assert final["conversation"] == f"/conversations/{exchange.conversation_id}/"


def test_a_failed_check_replaces_the_streamed_text_by_the_extract(agent, llm):
    llm(EchoGenerator(extra=" Appelez le 01 99 88 77 66 [1]."))
    received = events(stream(agent, TELEPHONY))
    streamed = "".join(data["text"] for name, data in received if name == "delta")
    final = received[-1][1]
    assert "01 99 88 77 66" in streamed
    assert final["mode"] == "extractive" and final["notice"] == NOTICES["ungrounded"]
    assert "01 99 88 77 66" not in final["html"] and 'class="answer-notice"' in final["html"]


def test_without_an_llm_the_stream_is_just_the_exchange(agent):
    received = events(stream(agent, UNANSWERABLE))
    assert [name for name, _ in received] == ["final"]
    assert received[0][1]["mode"] == "none" and "Pas de réponse fiable" in received[0][1]["html"]


def test_follow_up_in_the_same_conversation(agent, llm):
    llm(EchoGenerator(rewrite="Comment annuler le renvoi de ma ligne fixe ?"))
    first = events(stream(agent, TELEPHONY))[-1][1]
    conversation_id = first["conversation"].strip("/").split("/")[-1]
    second = events(stream(agent, "et pour l'annuler ?", conversation_id))[-1][1]
    assert second["conversation"] == first["conversation"]
    assert Exchange.objects.latest("pk").search_query == "Comment annuler le renvoi de ma ligne fixe ?"


def test_form_errors_are_not_streamed(agent, client):
    response = stream(agent, "   ")
    assert response.status_code == 400 and "Écrivez votre question" in response.content.decode()
    other = stream(agent, TELEPHONY, "999999")
    assert other.status_code == 400 and "ne vous appartient pas" in other.content.decode()


def test_anonymous_and_get_are_refused(client, agent):
    assert client.get("/poser/flux/").status_code == 405
    client.logout()
    response = client.post("/poser/flux/", {"question": TELEPHONY})
    assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def test_the_chat_streams_only_with_an_llm(agent, llm):
    assert "data-flux" not in agent.get("/").content.decode()
    llm(EchoGenerator())
    assert 'data-flux="/poser/flux/"' in agent.get("/").content.decode()


def test_a_pipeline_crash_is_a_french_message_not_a_trace(agent, llm, monkeypatch):
    from relais.assistant import streaming

    def crash(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(streaming, "ask", crash)
    received = events(stream(agent, TELEPHONY))
    assert received == [("error", {"message": streaming.FAILED})]
