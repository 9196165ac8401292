"""The pipeline with an LLM backend: generate, verify, fall back, log — with test doubles of the Generator protocol.

The real backends run in tests/assistant/test_llm_server.py; here the doubles make each outcome happen on demand.
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from relais.assistant import pipeline
from relais.assistant.models import Exchange
from relais.engine.answers.extractive import sentences
from relais.engine.answers.generation import NOTICES, GeneratorUnavailable, Prompt

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

TELEPHONY = "Comment configurer le renvoi de ma ligne fixe vers mon mobile ?"  # answered extractively
FAQ = "Comment demander un ordre de mission ?"
UNANSWERABLE = "Quel est le menu de la cantine demain ?"


@dataclass
class EchoGenerator:
    """Test double: answers with the first sentence of passage [1] of the prompt, cited, word by word.

    ``extra`` is appended as a last sentence (to plant a violation); ``rewrite`` answers rewrite prompts.
    Every prompt received is recorded.
    """

    extra: str = ""
    rewrite: str = ""
    delay: float = 0.0
    error: BaseException | None = None
    name: str = "echo"
    model: str = "echo-1"
    params_b: float = 7.0
    prompts: list[Prompt] = field(default_factory=list)

    def stream(self, prompt: Prompt) -> Iterator[str]:
        self.prompts.append(prompt)
        if self.delay:
            time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        if prompt.version.startswith("rewrite"):
            yield self.rewrite
            return
        user = prompt.messages[1]["content"]
        passage = re.search(r"^\[1\] [^\n]*\n(.*?)(?=\n\n\[2\] |\n\nQuestion : )", user, re.S | re.M).group(1)
        first = sentences(passage)[0].rstrip(".:")
        for word in f"{first} [1].{self.extra}".split(" "):
            yield word + " "


@pytest.fixture
def llm(monkeypatch, settings):
    def install(generator, **config):
        settings.RELAIS = dataclasses.replace(settings.RELAIS, **config)
        monkeypatch.setattr(pipeline, "current_generator", lambda: generator)
        return generator

    return install


def test_grounded_generated_answer_is_shown_and_logged(llm):
    generator = llm(EchoGenerator())
    deltas: list[str] = []
    result = pipeline.ask(TELEPHONY, on_delta=deltas.append)
    assert result.answer.mode == "generated" and result.notice == ""
    assert result.answer.text.endswith("[1].")
    assert "".join(deltas).strip() == result.answer.text
    assert len(result.answer.citations) == 1
    exchange = Exchange.objects.get(pk=result.exchange.pk)
    assert exchange.mode == "generated" and exchange.backend == "echo"
    assert exchange.generation_status == "grounded" and exchange.grounding_violations == []
    sent = json.loads(exchange.prompt)
    assert sent["version"] == "answer-v1"
    assert sent["messages"] == [dict(m) for m in generator.prompts[0].messages]
    details = exchange.generation
    assert details["model"] == "echo-1" and details["first_token_ms"] is not None and details["output_tokens"] > 0
    assert details["impact"]["energy_wh"] > 0 and details["impact"]["gco2e"] > 0
    assert exchange.citations[0]["document"] == result.answer.citations[0].document_title


def test_invented_phone_number_falls_back_to_the_extractive_answer(llm):
    llm(EchoGenerator(extra=" Pour toute question, appelez le 01 99 88 77 66 [1]."))
    result = pipeline.ask(TELEPHONY)
    assert result.answer.mode == "extractive" and result.notice == NOTICES["ungrounded"]
    exchange = Exchange.objects.get(pk=result.exchange.pk)
    assert exchange.mode == "extractive" and exchange.backend == "echo"
    assert exchange.generation_status == "ungrounded"
    [violation] = exchange.grounding_violations
    assert violation["fact"] == "phone" and violation["normalized"] == "0199887766"
    assert "01 99 88 77 66" in exchange.generation["draft"] and "01 99 88 77 66" not in exchange.answer
    assert exchange.generation["notice"] == NOTICES["ungrounded"]


def test_unreachable_backend_falls_back_with_a_notice(llm):
    llm(EchoGenerator(error=GeneratorUnavailable("connection refused")))
    result = pipeline.ask(TELEPHONY)
    assert result.answer.mode == "extractive" and result.notice == NOTICES["unavailable"]
    exchange = Exchange.objects.get(pk=result.exchange.pk)
    assert exchange.generation_status == "unavailable" and "connection refused" in exchange.generation["error"]


def test_slow_backend_never_holds_the_agent_past_the_timeout(llm):
    llm(EchoGenerator(delay=3.0), llm_timeout=0.5)
    started = time.monotonic()
    result = pipeline.ask(TELEPHONY)
    assert time.monotonic() - started < 2.5
    assert result.answer.mode == "extractive" and result.notice == NOTICES["timeout"]
    assert Exchange.objects.get(pk=result.exchange.pk).generation_status == "timeout"


def test_faq_answers_and_abstentions_never_call_the_model(llm):
    generator = llm(EchoGenerator())
    assert pipeline.ask(FAQ).answer.mode == "faq"
    abstained = pipeline.ask(UNANSWERABLE)
    assert abstained.answer.mode == "none"
    assert generator.prompts == []
    assert Exchange.objects.get(pk=abstained.exchange.pk).generation_status == ""


def test_follow_up_is_rewritten_by_the_model_before_retrieval(llm):
    generator = llm(EchoGenerator(rewrite="Combien de jours de congés annuels pour un agent à temps partiel ?"))
    first = pipeline.ask("Combien de jours de congés annuels ai-je droit ?")
    follow = pipeline.ask("et pour un temps partiel ?", conversation=first.conversation)
    assert follow.search_query == "Combien de jours de congés annuels pour un agent à temps partiel ?"
    rewrite_prompts = [p for p in generator.prompts if p.version == "rewrite-v1"]
    assert len(rewrite_prompts) == 1
    assert "Agent : Combien de jours de congés annuels ai-je droit ?" in rewrite_prompts[0].messages[1]["content"]
    logged = Exchange.objects.get(pk=follow.exchange.pk).generation["rewrite"]
    assert logged["used"] and json.loads(logged["prompt"])["version"] == "rewrite-v1"


def test_unusable_rewrite_keeps_the_heuristic_follow_up(llm):
    llm(EchoGenerator(rewrite="Vous avez droit à 25 jours [1]."))
    first = pipeline.ask("Combien de jours de congés annuels ai-je droit ?")
    follow = pipeline.ask("et pour un temps partiel ?", conversation=first.conversation)
    assert follow.search_query.startswith("Combien de jours de congés annuels")
    assert follow.search_query.endswith("et pour un temps partiel ?")


NIR = "2 84 05 75 115 023 66"
IBAN = "FR76 3000 6000 0112 3456 7890 189"
EMAIL = "jeanne.martin@example.org"


def test_no_raw_personal_data_reaches_the_model(llm):
    generator = llm(EchoGenerator(rewrite="Comment renvoyer ma ligne fixe vers mon portable ?"))
    first = pipeline.ask(f"Mon NIR est {NIR} et mon IBAN {IBAN} : {TELEPHONY}")
    pipeline.ask(f"et pour {EMAIL} ?", conversation=first.conversation)
    assert generator.prompts, "the model was called"
    sent = "\n".join(p.as_json() for p in generator.prompts)
    for raw in (NIR, IBAN, EMAIL, NIR.replace(" ", ""), IBAN.replace(" ", "")):
        assert raw not in sent
    assert "[NIR]" in sent and "[IBAN]" in sent and "[E-MAIL]" in sent
