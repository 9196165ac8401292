"""The demo's evaluation sets: what they expect exists, and the held-out set stays apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from relais.assistant.evaluation import read_questions
from relais.engine.french.analysis import normalize_for_matching

DEMO = Path(__file__).resolve().parents[2] / "demo"
OUTDATED = {"note-teletravail-2023.md", "guide-astreintes-v1.md"}  # a current version answers instead


@pytest.mark.parametrize("name", ["questions.yaml", "questions-holdout.yaml", "questions-holdout-2.yaml"])
def test_every_expected_source_is_a_current_demo_document(name):
    questions = read_questions(DEMO / name)
    documents = {p.name for p in (DEMO / "documents").glob("*.md")}
    expected = {source for _, source in questions} - {"none"}
    assert expected <= documents - OUTDATED, expected - documents
    assert any(source == "none" for _, source in questions) and len(expected) >= 20


@pytest.mark.parametrize("name", ["questions-holdout.yaml", "questions-holdout-2.yaml"])
def test_a_held_out_set_shares_no_question_with_the_other_sets(name):
    def normalized(name: str) -> set[str]:
        return {normalize_for_matching(q).strip(" ?") for q, _ in read_questions(DEMO / name)}

    held_out = normalized(name)
    others = {"questions.yaml", "questions-holdout.yaml", "questions-holdout-2.yaml"} - {name}
    assert len(held_out) == 50 and not any(held_out & normalized(other) for other in others)
