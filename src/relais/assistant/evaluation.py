"""`relais eval answers`: run a question set through the pipeline and score sources and abstentions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from relais.assistant.pipeline import ask
from relais.engine.answers.extractive import Answer
from relais.engine.french.analysis import normalize_for_matching
from relais.engine.search.beir import percentile
from relais.knowledge.models import Document


@dataclass
class AnswerReport:
    answerable: int = 0
    unanswerable: int = 0
    correct_source: int = 0
    wrong_abstention: int = 0
    correct_abstention: int = 0
    # Answers given (not abstentions) shown « à vérifier » (RELAIS_VERIFY_BELOW), right and wrong ones apart:
    # the flag is worth something if it marks most wrong answers and few right ones.
    right_answers: int = 0
    right_to_check: int = 0
    wrong_answers: int = 0
    wrong_to_check: int = 0
    # Answerable questions labelled with the fact asked (`fact:` in the set), and those whose answer states it.
    with_fact: int = 0
    fact_stated: int = 0
    # Curated (FAQ) answers given, and those that were wrong: to a question without answer, from another page than
    # the expected one, or not stating the fact asked — a validated answer to another question.
    curated: int = 0
    wrong_curated: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def count_answer(self, *, right: bool, to_check: bool) -> None:
        if right:
            self.right_answers += 1
            self.right_to_check += to_check
        else:
            self.wrong_answers += 1
            self.wrong_to_check += to_check

    def as_dict(self) -> dict[str, float | int | None]:
        def share(part: int, whole: int) -> float:
            return round(part / whole, 4) if whole else 0.0

        return {
            "questions": self.answerable + self.unanswerable,
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "correct_source_first": share(self.correct_source, self.answerable),
            "correct_abstention": share(self.correct_abstention, self.unanswerable),
            "wrong_abstention": share(self.wrong_abstention, self.answerable),
            "right_answers_to_check": share(self.right_to_check, self.right_answers),
            "wrong_answers_to_check": share(self.wrong_to_check, self.wrong_answers),
            "fact_stated": share(self.fact_stated, self.with_fact) if self.with_fact else None,
            "curated_answers": self.curated,
            "wrong_curated_answers": self.wrong_curated,
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
        }


def _entries(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(i, dict) and i.get("question") for i in data):
        raise ValueError(f"{path}: expected a list of {{question, expected}} entries")
    return data


def read_questions(path: Path) -> list[tuple[str, str]]:
    return [(str(i["question"]), str(i.get("expected") or "none")) for i in _entries(path)]


def read_facts(path: Path) -> dict[str, tuple[str, ...]]:
    """Per question, the fact a right answer states (`fact:`, fragments of which any one will do); questions
    without the key are left out."""
    facts = {}
    for entry in _entries(path):
        fact = entry.get("fact")
        if fact is None:
            continue
        if not isinstance(fact, list) or not fact or not all(isinstance(f, str) and f.strip() for f in fact):
            raise ValueError(f"{path}: `fact` of {entry['question']!r} must be a list of non-empty strings")
        facts[str(entry["question"])] = tuple(fact)
    return facts


def comparable_for_facts(text: str) -> str:
    """The text as facts are looked for in it: case, accents, apostrophes and spacing do not matter (the benches'
    word counts read it so too)."""
    return " ".join(normalize_for_matching(text).replace("’", "'").split())


def states_fact(answer_text: str, fact: Sequence[str]) -> bool:
    """Whether the answer contains one of the fact's fragments."""
    text = comparable_for_facts(answer_text)
    return any(comparable_for_facts(fragment) in text for fragment in fact)


def evaluate_answers(
    questions: list[tuple[str, str]],
    facts: Mapping[str, Sequence[str]] | None = None,
    audiences: frozenset[str] = frozenset({"agents"}),
) -> AnswerReport:
    """Ask each question (not logged) and score it; ``facts`` (``read_facts``) adds whether answers state the
    fact asked: a right source with a curated answer about another question of the same page is not an answer.
    ``audiences``: whose knowledge answers (``{"public"}``: the citizens' assistant, its question guard included)."""
    facts = facts or {}
    report = AnswerReport()
    for question, expected in questions:
        result = ask(question, log=False, audiences=audiences)
        report.latencies_ms.append(result.latency_ms)
        if expected == "none":
            _score_unanswerable(report, question, result.answer, result.needs_check)
        else:
            _score_answerable(report, question, expected, result.answer, result.needs_check, facts.get(question))
    return report


def _score_unanswerable(report: AnswerReport, question: str, answer: Answer, to_check: bool) -> None:
    report.unanswerable += 1
    if answer.mode == "none":
        report.correct_abstention += 1
        return
    report.count_answer(right=False, to_check=to_check)
    if answer.mode == "faq":  # a validated answer to a question that has none
        report.curated += 1
        report.wrong_curated += 1
    shown = " (to check)" if to_check else ""
    report.failures.append(f"answered{shown}, expected abstention: {question!r}")


def _score_answerable(
    report: AnswerReport, question: str, expected: str, answer: Answer, to_check: bool, fact: Sequence[str] | None
) -> None:
    report.answerable += 1
    if fact:
        report.with_fact += 1
    if answer.mode == "none":
        report.wrong_abstention += 1
        report.failures.append(f"abstained, expected {expected}: {question!r}")
        return
    stated = bool(fact) and states_fact(answer.text, fact)
    if stated:
        report.fact_stated += 1
    elif fact:
        report.failures.append(f"answered ({answer.mode}) without the fact {fact[0]!r}: {question!r}")
    first = Document.objects.get(pk=answer.citations[0].document_id) if answer.citations else None
    # Stems, not names: a source written as conges-annuels.md may be published as conges-annuels.docx.
    right = bool(first) and Path(first.source).stem == Path(expected).stem
    report.count_answer(right=right, to_check=to_check)
    if answer.mode == "faq":
        report.curated += 1
        report.wrong_curated += not right or (bool(fact) and not stated)
    if right:
        report.correct_source += 1
    else:
        cited = Path(first.source).name if first else "nothing"
        shown = " (to check)" if to_check else ""
        report.failures.append(f"cited {cited}{shown}, expected {expected}: {question!r}")
