"""`relais eval answers`: run a question set through the pipeline and score sources and abstentions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings

from relais.assistant.pipeline import ask
from relais.engine.answer import needs_check
from relais.engine.evaluation import percentile
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
    latencies_ms: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def count_answer(self, *, right: bool, to_check: bool) -> None:
        if right:
            self.right_answers += 1
            self.right_to_check += to_check
        else:
            self.wrong_answers += 1
            self.wrong_to_check += to_check

    def as_dict(self) -> dict[str, float | int]:
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
            "p50_ms": round(percentile(self.latencies_ms, 50), 1),
            "p95_ms": round(percentile(self.latencies_ms, 95), 1),
        }


def read_questions(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(i, dict) and i.get("question") for i in data):
        raise ValueError(f"{path}: expected a list of {{question, expected}} entries")
    return [(str(i["question"]), str(i.get("expected") or "none")) for i in data]


def evaluate_answers(questions: list[tuple[str, str]]) -> AnswerReport:
    report = AnswerReport()
    for question, expected in questions:
        result = ask(question, log=False)
        report.latencies_ms.append(result.latency_ms)
        answer = result.answer
        to_check = needs_check(answer.mode, answer.confidence, settings.RELAIS.verify_below)
        if expected == "none":
            report.unanswerable += 1
            if answer.mode == "none":
                report.correct_abstention += 1
            else:
                report.count_answer(right=False, to_check=to_check)
                report.failures.append(f"answered{' (to check)' * to_check}, expected abstention: {question!r}")
            continue
        report.answerable += 1
        if answer.mode == "none":
            report.wrong_abstention += 1
            report.failures.append(f"abstained, expected {expected}: {question!r}")
            continue
        first = Document.objects.get(pk=answer.citations[0].document_id) if answer.citations else None
        # Stems, not names: a source written as conges-annuels.md may be published as conges-annuels.docx.
        right = bool(first) and Path(first.source).stem == Path(expected).stem
        report.count_answer(right=right, to_check=to_check)
        if right:
            report.correct_source += 1
        else:
            cited = Path(first.source).name if first else "nothing"
            report.failures.append(f"cited {cited}{' (to check)' * to_check}, expected {expected}: {question!r}")
    return report
