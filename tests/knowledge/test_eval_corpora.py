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


def test_the_helpdesk_corpus_converter_rewrites_mallard_markup_and_keeps_the_text(tmp_path):
    """tools/corpora/mallard_to_markdown.py, which built aide-informatique from GNOME's help: steps, notes, key
    sequences, links and conditional text as the committed documents show them."""
    import importlib.util

    script = CORPORA.parents[1] / "tools" / "corpora" / "mallard_to_markdown.py"
    spec = importlib.util.spec_from_file_location("mallard_to_markdown", script)
    converter = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(converter)
    page = tmp_path / "keyboard-lock.page"
    page.write_text(
        """<?xml version="1.0" encoding="utf-8"?>
<page xmlns="http://projectmallard.org/1.0/" xmlns:if="http://projectmallard.org/if/1.0/" type="topic" id="x">
  <info><desc>Ignoré.</desc></info>
  <title>Verrouillage de l’écran</title>
  <p>Appuyez sur <keyseq><key>Super</key><key>L</key></keyseq> pour verrouiller. Voir <link xref="other"/>.</p>
  <steps>
    <item><p>Ouvrez les <gui>Paramètres</gui>.</p></item>
    <item><p>Choisissez un délai.</p><note><p>Le délai se compte en minutes.</p></note></item>
  </steps>
  <if:choose><if:when test="platform:gnome"><p>Sur le bureau.</p></if:when><p>Ailleurs.</p></if:choose>
  <section><title>Délai</title><p>Cinq minutes par défaut.</p></section>
</page>""",
        encoding="utf-8",
    )
    converter.PAGE_TITLES["other"] = "Écran de veille"
    title, text = converter.page_markdown(page)
    assert title == "Verrouillage de l’écran"
    assert text.split("\n\n") == [
        "Appuyez sur Super+L pour verrouiller. Voir « Écran de veille ».",
        "1. Ouvrez les Paramètres.\n2. Choisissez un délai. Le délai se compte en minutes.",
        "Sur le bureau.",
        "### Délai",
        "Cinq minutes par défaut.",
    ]


TRAINING = Path(__file__).resolve().parents[2] / "tools" / "reader" / "training-questions"


def _documents_of(corpus: str) -> Path:
    root = Path(__file__).resolve().parents[2]
    return root / "demo" / "documents" if corpus == "demo" else CORPORA / corpus / "documents"


def _plain(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.mark.parametrize(
    "training_set",
    sorted(TRAINING.parent.glob("training-questions*/*.yaml")),
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_training_questions_quote_their_document_and_are_not_evaluation_questions(training_set):
    """tools/reader/training-questions: the quoted passage is in the document named (it is what the training places
    the question on), and no training question is one of the evaluation sets' (those stay blind)."""
    entries = yaml.safe_load(training_set.read_text(encoding="utf-8"))
    assert len(entries) >= 50
    evaluated = {
        _plain(question)
        for question_set in [*SETS, *Path(__file__).resolve().parents[2].glob("demo/questions*.yaml")]
        for question, _ in read_questions(question_set)
    }
    for entry in entries:
        assert set(entry) == {"question", "expected", "passage"}
        assert _plain(entry["question"]) not in evaluated, entry["question"]
        if entry["expected"] == "none":  # no document answers it: nothing may be quoted
            assert entry["passage"] == "", entry["question"]
            continue
        document = (_documents_of(training_set.stem) / entry["expected"]).read_text(encoding="utf-8")
        assert entry["passage"] and entry["passage"] in document, entry["question"]
