"""The pipeline's generation step: word the answer with the configured LLM, verify it, or keep the extractive one.

Called by :func:`relais.assistant.pipeline.ask` only when ``RELAIS_GENERATOR`` is not ``extractive`` and the
extractive composer found an answer (no FAQ answer, no abstention). Everything sent to the model is built from
the *masked* question (the personal-data guard runs first) and the retrieved passages.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from django.conf import settings

from relais.engine.answers.energy import estimate
from relais.engine.answers.extractive import Answer, Citation, Evidence
from relais.engine.answers.generation import (
    Generator,
    Outcome,
    Turn,
    build_answer_prompt,
    cited_numbers,
    passage_block,
    renumber_citations,
    rewrite_question,
    run_verified,
)
from relais.engine.answers.generator_backends import generator_from_config

# Earlier turns given to the follow-up rewriter.
REWRITE_HISTORY = 3

_lock = threading.Lock()
_generators: dict[tuple, Generator | None] = {}


def current_generator() -> Generator | None:
    """The configured backend (one per process and configuration), or None for ``extractive``."""
    config = settings.RELAIS
    if config.generator == "extractive":
        return None
    key = (
        config.generator,
        config.llm_base_url,
        config.llm_model,
        config.llm_api_key_env,
        config.llm_timeout,
        config.llm_connect_timeout,
        config.llm_retries,
        config.llm_model_path,
        config.llm_context,
        config.llm_params_b,
    )
    with _lock:
        if key not in _generators:
            _generators[key] = generator_from_config(config)
        return _generators[key]


@dataclass
class GenerationLog:
    """What the exchange log keeps of a generation attempt."""

    backend: str
    prompt: str = ""
    status: str = ""
    violations: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)


def standalone_query(
    question: str, heuristic_query: str, conversation, generator: Generator | None
) -> tuple[str, dict]:
    """The retrieval query of a follow-up: the LLM's standalone rewrite, else the heuristic one.

    Only questions the heuristic reads as follow-ups (``heuristic_query != question``) are rewritten.
    Returns (query, what to log about the rewrite).
    """
    if generator is None or not settings.RELAIS.llm_rewrite or heuristic_query == question or conversation is None:
        return heuristic_query, {}
    earlier = list(conversation.exchanges.order_by("-created_at", "-pk")[:REWRITE_HISTORY])
    history = [Turn(e.question, e.answer) for e in reversed(earlier)]
    rewrite, prompt, reply = rewrite_question(generator, question, history, timeout=settings.RELAIS.llm_timeout)
    log = {"prompt": prompt.as_json(), "reply": reply[:500], "used": rewrite is not None}
    return (rewrite or heuristic_query), log


def prompt_passages(answer: Answer, evidence: Sequence[Evidence], limit: int) -> list[Evidence]:
    """The passages the model sees: those the extractive answer cites first, then the best other ones."""
    by_id = {item.passage_id: item for item in evidence}
    chosen = [by_id[c.passage_id] for c in answer.citations if c.passage_id in by_id]
    for item in evidence:
        if len(chosen) >= limit:
            break
        if item not in chosen:
            chosen.append(item)
    return chosen[:limit]


def generated_answer(
    question: str,
    extractive: Answer,
    evidence: Sequence[Evidence],
    generator: Generator,
    *,
    on_delta: Callable[[str], None] | None = None,
) -> tuple[Answer, str, GenerationLog]:
    """(the answer to show, a notice or "", the log): the generated answer when grounded, else ``extractive``."""
    config = settings.RELAIS
    passages = prompt_passages(extractive, evidence, config.llm_passages)
    prompt = build_answer_prompt(question, passages, town=config.town_name)
    outcome = run_verified(
        generator, prompt, [passage_block(p) for p in passages], timeout=config.llm_timeout, on_delta=on_delta
    )
    details = _details(outcome, generator, config)
    log = GenerationLog(generator.name, prompt.as_json(), outcome.status, outcome.violations, details)
    if not outcome.accepted:
        return extractive, outcome.notice, log
    return _answer_from(outcome.draft, passages, extractive.confidence), "", log


def _answer_from(draft: str, passages: Sequence[Evidence], confidence: float) -> Answer:
    """The grounded draft with its citations renumbered to its own source list (first cited = [1])."""
    numbers = [n for n in cited_numbers(draft) if 1 <= n <= len(passages)]
    mapping = {number: position for position, number in enumerate(numbers, 1)}
    citations = []
    for number in numbers:
        item = passages[number - 1]
        citations.append(
            Citation(item.passage_id, item.document_id, item.document_title, item.section_path, item.text, item.text)
        )
    return Answer(renumber_citations(draft.strip(), mapping), "generated", confidence, citations)


def _details(outcome: Outcome, generator: Generator, config) -> dict:
    impact = None
    if outcome.chunks:
        impact = estimate(
            outcome.output_tokens,
            generator.params_b,
            carbon_intensity=config.llm_carbon_intensity,
            measured_s=outcome.total_ms / 1000,
        )
    return {
        "status": outcome.status,
        "notice": outcome.notice,
        "model": generator.model,
        "draft": outcome.draft,
        "error": outcome.error,
        "first_token_ms": outcome.first_token_ms,
        "total_ms": outcome.total_ms,
        "input_tokens": outcome.input_tokens,
        "output_tokens": outcome.output_tokens if outcome.chunks else 0,
        "params_b": generator.params_b,
        "impact": impact.as_dict() if impact else None,
    }


def with_rewrite(log: GenerationLog | None, rewrite: dict, generator: Generator | None) -> GenerationLog | None:
    """Add the follow-up rewrite to the log (a rewrite may happen without a generation: FAQ, abstention)."""
    if not rewrite:
        return log
    if log is None:
        log = GenerationLog(generator.name if generator else "extractive")
    return replace(log, details={**log.details, "rewrite": rewrite})
