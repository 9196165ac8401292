"""Generated answers: prompts, citations, and the verify-or-fall-back loop, with a scripted test double."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pytest

from relais.engine.answers.extractive import NOT_FOUND, Evidence
from relais.engine.answers.generation import (
    ANSWER_PROMPT,
    NO_CITATION,
    NOTICES,
    Delta,
    Generator,
    GeneratorTimeout,
    GeneratorUnavailable,
    MalformedResponse,
    Outcome,
    Prompt,
    Turn,
    build_answer_prompt,
    build_rewrite_prompt,
    cited_numbers,
    generate,
    is_abstention,
    load_template,
    parse_rewrite,
    passage_block,
    renumber_citations,
    rewrite_question,
    run_verified,
    stream_verified,
)
from relais.engine.answers.grounding import UNCITED_SENTENCE, UNKNOWN_CITATION, UNSUPPORTED_FACT


@dataclass
class ScriptedGenerator:
    """Test double of the Generator protocol: replays text pieces, pauses (seconds) and exceptions."""

    script: Sequence[str | float | BaseException]
    name: str = "scripted"
    model: str = "scripted"
    params_b: float = 0.0
    prompts: list[Prompt] = field(default_factory=list)

    def stream(self, prompt: Prompt) -> Iterator[str]:
        self.prompts.append(prompt)
        for item in self.script:
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, int | float):
                time.sleep(item)
                continue
            yield item


def evidence(n: int, title: str, text: str, section: tuple[str, ...] = ()) -> Evidence:
    return Evidence(n, n, title, section, text, 0.8, 0.5)


PAIE = evidence(1, "Paie", "Le service paie répond au 01 40 12 34 56, du lundi au vendredi.", ("Contacts",))
SUPPORT = evidence(2, "Support informatique", "Le support informatique répond au 01 40 12 99 00.")
CONGES = evidence(3, "Congés annuels", "Un agent à temps complet a droit à cinq semaines de congés, soit 25 jours.")
PASSAGES = [PAIE, SUPPORT, CONGES]
BLOCKS = [passage_block(p) for p in PASSAGES]


def outcome_of(script, passages=BLOCKS, timeout=5.0) -> tuple[list[str], Outcome]:
    prompt = build_answer_prompt("Quel est le numéro du service paie ?", PASSAGES)
    deltas: list[str] = []
    outcome = run_verified(ScriptedGenerator(script), prompt, passages, timeout=timeout, on_delta=deltas.append)
    return deltas, outcome


# --- prompts ------------------------------------------------------------------------------------------------


def test_answer_prompt_numbers_the_passages_and_asks_for_citations():
    prompt = build_answer_prompt("Quel est le numéro du service paie ?", PASSAGES, town="Val-de-Brume")
    assert prompt.version == ANSWER_PROMPT == "answer-v1"
    system, user = prompt.messages
    assert system["role"] == "system" and user["role"] == "user"
    assert "Val-de-Brume" in system["content"]
    assert "[1], [2]" in system["content"] and "Chaque phrase" in system["content"]
    assert NOT_FOUND in system["content"]
    assert "[1] Paie › Contacts\nLe service paie répond au 01 40 12 34 56" in user["content"]
    assert "[2] Support informatique\n" in user["content"] and "[3] Congés annuels\n" in user["content"]
    assert user["content"].rstrip().endswith("Question : Quel est le numéro du service paie ?")
    assert "$" not in system["content"] + user["content"]


def test_prompt_is_logged_exactly_as_sent():
    prompt = build_answer_prompt("Combien de jours de congés ?", [CONGES])
    logged = json.loads(prompt.as_json())
    assert logged["version"] == "answer-v1"
    assert logged["messages"] == [dict(m) for m in prompt.messages]


def test_templates_are_versioned_files():
    template = load_template("rewrite-v1")
    assert template.version == "rewrite-v1" and "$question" in template.user and "$history" in template.user
    with pytest.raises(ValueError, match="NAME-vN"):
        load_template("../settings")
    with pytest.raises(FileNotFoundError):
        load_template("answer-v999")


def test_a_dollar_in_a_passage_or_question_is_kept_verbatim():
    prompt = build_answer_prompt("Le tarif $tarif ?", [evidence(9, "Tarifs", "Prix : 5 $ (dollars) ou $town.")])
    assert "Le tarif $tarif ?" in prompt.messages[1]["content"]
    assert "Prix : 5 $ (dollars) ou $town." in prompt.messages[1]["content"]


def test_rewrite_prompt_carries_the_history_without_citation_markers():
    history = [Turn("Combien de jours de congés annuels ?", "Vous avez droit à 25 jours [1].")]
    prompt = build_rewrite_prompt("et pour un temps partiel ?", history)
    user = prompt.messages[1]["content"]
    assert "Agent : Combien de jours de congés annuels ?" in user
    assert "Relais : Vous avez droit à 25 jours ." in user and "[1]" not in user
    assert "Dernière question : et pour un temps partiel ?" in user
    assert prompt.max_tokens < 100


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            "Combien de jours de congés pour un agent à temps partiel ?",
            "Combien de jours de congés pour un agent à temps partiel ?",
        ),
        (
            "Question autonome : « Combien de congés à temps partiel ? »\nautre ligne",
            "Combien de congés à temps partiel ?",
        ),
        ("", None),
        ("Vous avez droit à 25 jours [1].", None),  # an answer, not a question
        ("Le menu de la cantine est affiché à l'accueil.", None),  # shares no word with the question
        ("x" * 400, None),
    ],
)
def test_parse_rewrite(reply, expected):
    assert parse_rewrite(reply, "et pour un temps partiel ?") == expected


def test_rewrite_question_with_a_backend_and_its_failures():
    history = [Turn("Combien de jours de congés annuels ?", "25 jours [1].")]
    rewrite, prompt, raw = rewrite_question(
        ScriptedGenerator(["Combien de jours de congés ", "à temps partiel ?\n", "bavardage"]),
        "et à temps partiel ?",
        history,
        timeout=5,
    )
    assert rewrite == "Combien de jours de congés à temps partiel ?"
    assert prompt.version == "rewrite-v1" and raw.startswith("Combien")
    assert rewrite_question(ScriptedGenerator([GeneratorUnavailable("down")]), "et ?", history, timeout=5)[0] is None
    started = time.monotonic()
    assert rewrite_question(ScriptedGenerator([3.0, "trop tard"]), "et ?", history, timeout=0.3)[0] is None
    assert time.monotonic() - started < 1.5


# --- citations ----------------------------------------------------------------------------------------------


def test_cited_numbers_in_order_of_first_citation():
    assert cited_numbers("A [2]. B [1, 3]. C [2]. D [ 4 ; 1 ]") == [2, 1, 3, 4]
    assert cited_numbers("Aucune citation.") == []


def test_renumber_citations_to_the_source_list():
    assert renumber_citations("A [3]. B [1, 3]. C [2].", {3: 1, 1: 2, 2: 3}) == "A [1]. B [2, 1]. C [3]."
    assert renumber_citations("A [3, 3].", {3: 1}) == "A [1]."


def test_abstention_is_recognised():
    assert is_abstention(NOT_FOUND)
    assert is_abstention("« Je n'ai pas trouve de reponse fiable dans la documentation » [1]")
    assert not is_abstention("Je n'ai pas le droit de poser plus de 5 jours [3].")


# --- the verified stream ------------------------------------------------------------------------------------


def test_grounded_answer_streams_then_passes():
    deltas, outcome = outcome_of(["Le service paie ", "répond au 01 40 12 34 56 [1]", "."])
    assert deltas == ["Le service paie ", "répond au 01 40 12 34 56 [1]", "."]
    assert outcome.status == "grounded" and outcome.accepted and outcome.notice == ""
    assert outcome.draft == "Le service paie répond au 01 40 12 34 56 [1]."
    assert outcome.violations == [] and outcome.chunks == 3
    assert outcome.first_token_ms is not None and outcome.total_ms >= outcome.first_token_ms
    assert outcome.input_tokens > 50 and outcome.output_tokens >= 3


def test_normalised_facts_are_grounded():
    # « 25 jours » = the passage's « 25 jours », « cinq semaines » = « 5 semaines », phone spacing ignored.
    _, outcome = outcome_of(["Vous avez droit à 5 semaines de congés, soit 25 jours [3]. ", "Paie : 0140123456 [1]."])
    assert outcome.status == "grounded", outcome.violations


def test_phone_from_another_passage_is_caught():
    """The issue's example: asked for the payroll number, the model gives the IT support's."""
    _, outcome = outcome_of(["Le service paie répond au 01 40 12 99 00 [1]."])
    assert outcome.status == "ungrounded" and not outcome.accepted
    assert outcome.notice == NOTICES["ungrounded"]
    [violation] = outcome.violations
    assert violation["kind"] == UNSUPPORTED_FACT and violation["fact"] == "phone"
    assert violation["normalized"] == "0140129900"


@pytest.mark.parametrize(
    ("draft", "kind"),
    [
        ("Vous avez droit à six semaines de congés [3].", UNSUPPORTED_FACT),  # invented figure
        ("Vous avez droit à 25 jours de congés.", UNCITED_SENTENCE),  # no citation
        ("Le service paie répond au 01 40 12 34 56 [4].", UNKNOWN_CITATION),  # only three passages given
        ("Écrivez à paie@valdebrume.fr [1].", UNSUPPORTED_FACT),  # invented e-mail
        ("Voir https://intranet.valdebrume.fr/paie [1].", UNSUPPORTED_FACT),  # invented link
        ("Le service paie répond au 01 40 12 34 56 [1]. Il ferme le 14 juillet 2026 [1].", UNSUPPORTED_FACT),
    ],
)
def test_crafted_violations_are_caught(draft, kind):
    _, outcome = outcome_of([draft])
    assert outcome.status == "ungrounded"
    assert kind in {v["kind"] for v in outcome.violations}


def test_an_answer_that_cites_nothing_is_not_grounded():
    """Seen with SmolLM2: the question repeated back. Questions assert nothing, so the check passes each one."""
    _, outcome = outcome_of(["La question est de la question : le lecteur T est-il sauvegardé ?"])
    assert outcome.status == "ungrounded"
    assert [v["kind"] for v in outcome.violations] == [NO_CITATION]


def test_the_check_uses_the_passages_as_numbered_in_the_prompt():
    # Citing [2] (support) for the payroll's number: the number exists, but not in the cited passage.
    _, outcome = outcome_of(["Le service paie répond au 01 40 12 34 56 [2]."])
    assert outcome.status == "ungrounded"


def test_abstention_and_empty_answers_fall_back():
    _, outcome = outcome_of([NOT_FOUND])
    assert outcome.status == "abstained" and outcome.notice == "" and not outcome.accepted
    _, outcome = outcome_of(["  ", "\n"])
    assert outcome.status == "empty" and outcome.notice == NOTICES["empty"]


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (GeneratorUnavailable("connection refused"), "unavailable"),
        (GeneratorTimeout("read timeout"), "timeout"),
        (MalformedResponse("not JSON"), "error"),
        (RuntimeError("boom"), "error"),
    ],
)
def test_backend_failures_become_an_outcome(error, status):
    deltas, outcome = outcome_of(["Le service paie ", error])
    assert deltas == ["Le service paie "]
    assert outcome.status == status and outcome.notice == NOTICES[status]
    assert type(error).__name__ in outcome.error
    assert outcome.draft == "Le service paie "


def test_a_silent_backend_is_abandoned_at_the_deadline():
    started = time.monotonic()
    deltas, outcome = outcome_of([5.0, "trop tard [1]."], timeout=0.3)
    elapsed = time.monotonic() - started
    assert outcome.status == "timeout" and deltas == [] and outcome.first_token_ms is None
    assert elapsed < 1.5


def test_the_deadline_covers_the_whole_answer_not_each_piece():
    script = ["Le service ", 0.2, "paie ", 0.2, "répond ", 0.2, "au 01 40 12 34 56 [1]."]
    started = time.monotonic()
    deltas, outcome = outcome_of(script, timeout=0.5)
    assert outcome.status == "timeout" and deltas[:2] == ["Le service ", "paie "]
    assert time.monotonic() - started < 1.2


def test_non_text_pieces_are_an_error():
    _, outcome = outcome_of([{"choices": []}])
    assert outcome.status == "error" and "dict" in outcome.error


def test_stream_verified_yields_deltas_then_exactly_one_outcome():
    prompt = build_answer_prompt("Q ?", PASSAGES)
    events = list(stream_verified(ScriptedGenerator(["A [1].", " B [2]."]), prompt, BLOCKS, timeout=5))
    assert [type(e) for e in events] == [Delta, Delta, Outcome]


def test_scripted_double_honours_the_protocol_and_the_design_contract():
    generator = ScriptedGenerator(["Réponse [1]."])
    assert isinstance(generator, Generator)
    assert "".join(generate(generator, "Q ?", PASSAGES, [Turn("avant", "réponse")])) == "Réponse [1]."
    assert generator.prompts[0].version == "answer-v1"
