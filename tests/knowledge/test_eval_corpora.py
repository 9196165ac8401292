"""The public corpora of eval/corpora: each blind set points at its own documents, and every fact it asks is
written in the document it expects (a fact nobody could quote would count against every answer)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from relais.assistant.evaluation import read_questions, states_fact

CORPORA = Path(__file__).resolve().parents[2] / "eval" / "corpora"
SETS = sorted(CORPORA.glob("*/questions*.yaml"))


def test_every_corpus_with_documents_has_a_blind_set_and_its_sources():
    folders = [f for f in CORPORA.iterdir() if (f / "documents").is_dir()]
    assert len(folders) >= 4
    for folder in folders:
        assert list(folder.glob("questions*.yaml")), folder.name
        sources = (folder / "SOURCES.md").read_text(encoding="utf-8")
        assert "Licence" in sources or "licence" in sources.lower(), folder.name


@pytest.mark.parametrize("question_set", SETS, ids=lambda p: p.parent.name)
def test_each_fact_is_written_in_the_document_expected(question_set):
    documents = question_set.parent / "documents"
    entries = yaml.safe_load(question_set.read_text(encoding="utf-8"))
    answerable = [e for e in entries if str(e["expected"]) != "none"]
    assert len(answerable) >= 20 and len(entries) - len(answerable) >= 5
    assert {source for _, source in read_questions(question_set)} - {"none"} <= {p.name for p in documents.iterdir()}
    for entry in answerable:
        text = (documents / entry["expected"]).read_text(encoding="utf-8")
        fact = entry.get("fact") or []
        assert fact and states_fact(text, fact), (entry["question"], fact)
