"""Generated answers that cannot lie: prompts, the Generator protocol, and the verify-or-fall-back loop.

An LLM may only *word* an answer, never add facts. The flow is:

1. :func:`build_answer_prompt` numbers the retrieved passages ``[1]``, ``[2]``… in a French prompt read
   from a versioned template (``prompts/answer-v1.txt``); the model must cite ``[n]`` after each sentence.
2. A :class:`Generator` backend streams the text (``relais.engine.answers.generator_backends``: openai, llamacpp).
3. :func:`stream_verified` relays the stream under a hard deadline (a worker thread, so that neither a
   silent server nor a slow local model can hold the user past the timeout), then runs the groundedness
   check (:func:`relais.engine.answers.grounding.check_grounding`) on the whole text against the *same* numbered
   passages the model saw.
4. The caller shows the generated text only when the outcome is ``grounded``; any other outcome
   (ungrounded, timeout, unavailable, error, empty, abstained) falls back to the extractive answer with
   a discreet notice (:data:`NOTICES`).

Follow-up questions are rewritten into standalone ones before retrieval with ``prompts/rewrite-v1.txt``
(:func:`build_rewrite_prompt`, :func:`parse_rewrite`).

Pure Python: no Django import.
"""

from __future__ import annotations

import contextlib
import json
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Literal, Protocol, runtime_checkable

from relais.engine.answers.extractive import NOT_FOUND, Evidence
from relais.engine.answers.grounding import GroundingReport, Violation, check_grounding
from relais.engine.french.analysis import normalize_for_matching

ANSWER_PROMPT = "answer-v1"
REWRITE_PROMPT = "rewrite-v1"
MAX_ANSWER_TOKENS = 350
MAX_REWRITE_TOKENS = 60
# Violation kind added to the check's: an answer that cites no passage at all.
NO_CITATION = "no_citation"
# A standalone question longer than this is not a question but the model rambling.
MAX_REWRITE_CHARS = 300


# ---------------------------------------------------------------------------
# Prompts


@dataclass(frozen=True)
class PromptTemplate:
    """A versioned template: a system and a user message with ``$placeholders`` (string.Template)."""

    version: str
    system: str
    user: str


@lru_cache(maxsize=16)
def load_template(version: str) -> PromptTemplate:
    """``prompts/{version}.txt``: ``=== system ===`` then ``=== user ===`` sections."""
    if not re.fullmatch(r"[a-z]+-v\d+", version):
        raise ValueError(f"invalid prompt version {version!r}: expected NAME-vN, e.g. answer-v1")
    text = resources.files("relais.engine.answers").joinpath("prompts", f"{version}.txt").read_text(encoding="utf-8")
    match = re.fullmatch(r"\s*=== system ===\n(?P<system>.*?)\n=== user ===\n(?P<user>.*?)\s*", text, re.DOTALL)
    if match is None:
        raise ValueError(f"prompt template {version}: expected '=== system ===' then '=== user ===' sections")
    return PromptTemplate(version, match.group("system").strip(), match.group("user").strip())


@dataclass(frozen=True)
class Prompt:
    """Chat messages as sent to the backend, and what produced them."""

    version: str
    messages: tuple[Mapping[str, str], ...]
    max_tokens: int = MAX_ANSWER_TOKENS
    temperature: float = 0.0

    def as_json(self) -> str:
        """The exact prompt, for the exchange log."""
        return json.dumps(
            {"version": self.version, "messages": [dict(m) for m in self.messages]}, ensure_ascii=False, indent=1
        )

    @property
    def chars(self) -> int:
        return sum(len(m["content"]) for m in self.messages)


def passage_block(passage: Evidence) -> str:
    """What the model reads of a passage (and what its citations are checked against): headings, then text."""
    heading = " › ".join([passage.document_title, *passage.section_path])
    return f"{heading}\n{passage.text.strip()}"


def build_answer_prompt(
    question: str, passages: Sequence[Evidence], *, town: str = "", version: str = ANSWER_PROMPT
) -> Prompt:
    """The numbered French prompt: passages ``[1]``…``[n]`` in the given order, then the question."""
    template = load_template(version)
    numbered = "\n\n".join(f"[{n}] {passage_block(p)}" for n, p in enumerate(passages, 1))
    values = {"town": town or "la commune", "passages": numbered, "question": question}
    return Prompt(
        version,
        (
            {"role": "system", "content": Template(template.system).safe_substitute(values)},
            {"role": "user", "content": Template(template.user).safe_substitute(values)},
        ),
    )


@dataclass(frozen=True)
class Turn:
    """One earlier exchange of the conversation (the question as masked and logged, the answer shown)."""

    question: str
    answer: str


def build_rewrite_prompt(question: str, history: Sequence[Turn], *, version: str = REWRITE_PROMPT) -> Prompt:
    """Ask for the last question as a standalone one; the history is the last turns, oldest first."""
    template = load_template(version)
    lines = []
    for turn in history:
        lines.append(f"Agent : {turn.question}")
        answer = " ".join(_CITATION_RE.sub("", turn.answer).split())
        lines.append(f"Relais : {answer[:400]}")
    values = {"history": "\n".join(lines), "question": question}
    return Prompt(
        version,
        (
            {"role": "system", "content": Template(template.system).safe_substitute(values)},
            {"role": "user", "content": Template(template.user).safe_substitute(values)},
        ),
        max_tokens=MAX_REWRITE_TOKENS,
    )


def parse_rewrite(text: str, question: str) -> str | None:
    """The standalone question from the model's reply, or None when the reply is not usable as one."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return None
    candidate = re.sub(r"^(?:question(?: autonome)?\s*:\s*)", "", lines[0], flags=re.IGNORECASE)
    candidate = candidate.strip().strip('«»"“” ').strip()
    if not candidate or len(candidate) > MAX_REWRITE_CHARS or _CITATION_RE.search(candidate):
        return None
    if normalize_for_matching(candidate) == normalize_for_matching(question):
        return candidate
    # A rewrite keeps the agent's words: one that shares none of them answers instead of rewriting.
    asked = {w for w in re.findall(r"\w{4,}", normalize_for_matching(question))}
    if asked and not asked & set(re.findall(r"\w{4,}", normalize_for_matching(candidate))):
        return None
    return candidate


# ---------------------------------------------------------------------------
# Citations

_CITATION_RE = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")


def cited_numbers(text: str) -> list[int]:
    """Passage numbers cited in ``text``, in order of first citation (« [2, 3] » counts both)."""
    numbers: list[int] = []
    for match in _CITATION_RE.finditer(text):
        for part in re.split(r"\s*[,;]\s*", match.group(1)):
            if part.isdigit() and int(part) not in numbers:
                numbers.append(int(part))
    return numbers


def renumber_citations(text: str, mapping: Mapping[int, int]) -> str:
    """Rewrite ``[n]`` markers through ``mapping`` (prompt numbering → the answer's source list)."""

    def replace(match: re.Match[str]) -> str:
        parts = [int(p) for p in re.split(r"\s*[,;]\s*", match.group(1)) if p.isdigit()]
        mapped = list(dict.fromkeys(mapping.get(p, p) for p in parts))
        return "[" + ", ".join(str(p) for p in mapped) + "]"

    return _CITATION_RE.sub(replace, text)


def is_abstention(text: str) -> bool:
    """The model said it found nothing (the fixed sentence of the prompt, possibly with a citation)."""
    body = normalize_for_matching(_CITATION_RE.sub(" ", text)).strip(" «».\n")
    return body.startswith(normalize_for_matching(NOT_FOUND).rstrip(".")[:40])


# ---------------------------------------------------------------------------
# Backends


class GenerationError(Exception):
    """The backend could not produce an answer; the message is for the log, never shown to the user."""

    status = "error"


class GeneratorUnavailable(GenerationError):
    """Unreachable, refusing connections, or answering 5xx after the retries."""

    status = "unavailable"


class GeneratorTimeout(GenerationError):
    """No complete answer within the timeout."""

    status = "timeout"


class MalformedResponse(GenerationError):
    """The backend answered something that is not a chat completion (or a 4xx error)."""

    status = "error"


@runtime_checkable
class Generator(Protocol):
    """A text generator: ``stream(prompt)`` yields the answer's text in pieces as they come.

    ``name`` is the backend (extractive, openai, llamacpp) and ``model`` what it runs. Failures raise
    :class:`GenerationError` subclasses; the deadline is enforced by :func:`stream_verified`, so a
    backend needs only its own connect/read timeouts. ``params_b`` (billions of parameters, 0 when
    unknown) feeds the energy estimate.
    """

    name: str
    model: str
    params_b: float

    def stream(self, prompt: Prompt) -> Iterator[str]: ...


def generate(generator: Generator, question: str, passages: Sequence[Evidence], history: Sequence[Turn] = ()):
    """The DESIGN contract ``generate(question, passages, history) → stream of text``.

    ``history`` is used before retrieval (question rewriting), not in the answer prompt: the answer may
    only rest on the passages.
    """
    del history
    return generator.stream(build_answer_prompt(question, passages))


# ---------------------------------------------------------------------------
# The verified stream

OutcomeStatus = Literal["grounded", "ungrounded", "abstained", "empty", "timeout", "unavailable", "error"]

# Discreet notices shown above the extractive answer when the generated one is not used.
NOTICES: dict[str, str] = {
    "ungrounded": (
        "La réponse rédigée n'a pas pu être vérifiée mot pour mot dans les sources : "
        "voici l'extrait exact de la documentation."
    ),
    "timeout": "La rédaction a pris trop de temps : voici l'extrait exact de la documentation.",
    "unavailable": "Le service de rédaction est indisponible : voici l'extrait exact de la documentation.",
    "error": "Le service de rédaction a renvoyé une erreur : voici l'extrait exact de la documentation.",
    "empty": "Le service de rédaction n'a rien renvoyé : voici l'extrait exact de la documentation.",
    "abstained": "",
}


@dataclass(frozen=True)
class Delta:
    """A piece of generated text, as it arrives (not yet verified)."""

    text: str


@dataclass(frozen=True)
class Outcome:
    """The end of a generation: the whole draft, what became of it, and its timings."""

    status: OutcomeStatus
    draft: str
    report: GroundingReport | None = None
    error: str = ""
    first_token_ms: float | None = None
    total_ms: float = 0.0
    chunks: int = 0
    prompt_chars: int = 0

    @property
    def accepted(self) -> bool:
        return self.status == "grounded"

    @property
    def notice(self) -> str:
        return "" if self.accepted else NOTICES[self.status]

    @property
    def violations(self) -> list[dict[str, object]]:
        return [v.as_dict() for v in self.report.violations] if self.report else []

    @property
    def output_tokens(self) -> int:
        """Output tokens, estimated: servers stream about one token per chunk; never fewer than chars/4."""
        return max(self.chunks, round(len(self.draft) / 4))

    @property
    def input_tokens(self) -> int:
        """Input tokens, estimated at four characters per token (French text through a BPE vocabulary)."""
        return round(self.prompt_chars / 4)


_END = object()


def _threaded(stream: Callable[[], Iterator[str]], stop: threading.Event) -> queue.Queue:
    """Run ``stream()`` in a daemon thread; pieces, errors and the end go through the returned queue."""
    pieces: queue.Queue = queue.Queue()

    def work() -> None:
        iterator = None
        try:
            iterator = stream()
            for piece in iterator:
                if stop.is_set():
                    break
                pieces.put(piece)
            pieces.put(_END)
        except BaseException as exc:  # relayed to the reading thread
            pieces.put(exc)
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):  # a closing error must not leak from the thread
                    close()

    threading.Thread(target=work, name="relais-generation", daemon=True).start()
    return pieces


def stream_verified(
    generator: Generator,
    prompt: Prompt,
    passages: Sequence[str],
    *,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Delta | Outcome]:
    """Relay the generator's text as :class:`Delta` events, then one :class:`Outcome`, within ``timeout`` seconds.

    ``passages`` are the numbered texts the prompt carries (:func:`passage_block`), in prompt order: the
    check holds each sentence to the passages it cites. Never raises for a backend failure: it becomes the
    outcome's status. The deadline covers the whole answer: a stream still running then is abandoned
    (its thread is told to stop at its next piece).
    """
    started = clock()
    deadline = started + timeout
    stop = threading.Event()
    pieces = _threaded(lambda: generator.stream(prompt), stop)
    parts: list[str] = []
    first: float | None = None
    chunks = 0

    def outcome(status: OutcomeStatus, report: GroundingReport | None = None, error: str = "") -> Outcome:
        first_ms = None if first is None else round((first - started) * 1000, 1)
        total_ms = round((clock() - started) * 1000, 1)
        return Outcome(status, "".join(parts), report, error, first_ms, total_ms, chunks, prompt.chars)

    try:
        while True:
            remaining = deadline - clock()
            try:
                if remaining <= 0:
                    raise queue.Empty
                piece = pieces.get(timeout=remaining)
            except queue.Empty:
                yield outcome("timeout", error=f"no complete answer within {timeout:g} s")
                return
            if piece is _END:
                break
            if isinstance(piece, GenerationError):
                yield outcome(piece.status, error=f"{type(piece).__name__}: {piece}")
                return
            if isinstance(piece, BaseException):
                yield outcome("error", error=f"{type(piece).__name__}: {piece}")
                return
            if not isinstance(piece, str):
                yield outcome("error", error=f"the backend yielded {type(piece).__name__}, not text")
                return
            if not piece:
                continue
            if first is None:
                first = clock()
            chunks += 1
            parts.append(piece)
            yield Delta(piece)
    finally:
        stop.set()
    draft = "".join(parts).strip()
    if not draft:
        yield outcome("empty")
        return
    if is_abstention(draft):
        yield outcome("abstained")
        return
    report = check_grounding(draft, passages)
    if report.grounded and not any(1 <= n <= len(passages) for n in cited_numbers(draft)):
        # Only questions, headings or courtesy formulas (« La question est : … ? »): nothing asserted, nothing
        # cited. The check lets such sentences through; as a whole answer it answers nothing.
        report = GroundingReport(False, [Violation(NO_CITATION, draft[:300], detail="the answer cites no passage")])
    yield outcome("grounded" if report.grounded else "ungrounded", report)


def run_verified(
    generator: Generator, prompt: Prompt, passages: Sequence[str], *, timeout: float, on_delta=None
) -> Outcome:
    """:func:`stream_verified` consumed: the outcome (``on_delta(text)`` sees each piece on the way)."""
    for event in stream_verified(generator, prompt, passages, timeout=timeout):
        if isinstance(event, Outcome):
            return event
        if on_delta is not None:
            on_delta(event.text)
    raise AssertionError("stream_verified ended without an outcome")  # pragma: no cover


def rewrite_question(
    generator: Generator, question: str, history: Sequence[Turn], *, timeout: float
) -> tuple[str | None, Prompt, str]:
    """The standalone form of a follow-up question, or None (backend failure, timeout or unusable reply).

    Returns (the rewrite or None, the prompt sent, the raw reply or the error) for the log. The reply is
    not checked for grounding: it only steers retrieval, and the answer is checked against what is found.
    """
    prompt = build_rewrite_prompt(question, history)
    stop = threading.Event()
    parts: list[str] = []
    deadline = time.monotonic() + timeout
    pieces = _threaded(lambda: generator.stream(prompt), stop)
    try:
        while "\n" not in "".join(parts).strip():  # one line is all that is wanted
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise queue.Empty
                piece = pieces.get(timeout=remaining)
            except queue.Empty:
                return None, prompt, f"timeout after {timeout:g} s"
            if piece is _END:
                break
            if isinstance(piece, BaseException):
                return None, prompt, f"{type(piece).__name__}: {piece}"
            parts.append(str(piece))
    finally:
        stop.set()
    reply = "".join(parts)
    return parse_rewrite(reply, question), prompt, reply
