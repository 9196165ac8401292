"""The sentence reader's vectors, kept in the database and embedded in advance (knowledge/sentences.py)."""

from datetime import date, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from relais.engine.answers.sentence_choice import SentenceVectors
from relais.knowledge.index import get_passage_index
from relais.knowledge.models import Document, SentenceVector
from relais.knowledge.sentences import (
    forget_unused,
    missing_texts,
    reader_texts,
    stored_vectors,
    warm,
    warm_sentences,
)

pytestmark = pytest.mark.django_db

GUIDE = """# Guide du télétravail

## Jours autorisés
Le télétravail est possible deux jours par semaine.
Il se demande dans le Portail Agent.
"""
OLD = """# Ancienne note

## Horaires
Le service ouvrait à 8 h.
"""


class Counting:
    """The index's embedder, counting the texts it is asked to embed."""

    def __init__(self, embedder) -> None:
        self.inner, self.embedded = embedder, []
        self.name, self.dim = embedder.name, embedder.dim

    def embed_passages(self, texts):
        self.embedded += list(texts)
        return self.inner.embed_passages(texts)


@pytest.fixture()
def knowledge(tmp_path) -> Counting:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "teletravail.md").write_text(GUIDE, encoding="utf-8")
    (folder / "ancienne-note.md").write_text(OLD, encoding="utf-8")
    call_command("ingest", str(folder), collection="rh", verbosity=0)
    Document.objects.filter(source__endswith="ancienne-note.md").update(valid_until=date.today() - timedelta(days=1))
    return Counting(get_passage_index().embedder)


def test_the_reader_texts_are_the_quotable_sentences_of_pages_in_force_under_their_headings(knowledge):
    assert reader_texts() == [
        "Guide du télétravail > Jours autorisés > Le télétravail est possible deux jours par semaine.",
        "Guide du télétravail > Jours autorisés > Il se demande dans le Portail Agent.",
    ]


def test_a_sentence_is_embedded_once_then_read_from_the_database(knowledge):
    texts = reader_texts()
    first = SentenceVectors(stored_vectors(knowledge))(texts)
    assert knowledge.embedded == texts and SentenceVector.objects.count() == 2
    # Another process (a fresh memory) reads them back: nothing embedded again, the same vectors.
    again = SentenceVectors(stored_vectors(knowledge))([texts[1], texts[0], texts[1]])
    assert knowledge.embedded == texts
    assert np.array_equal(again, first[[1, 0, 1]])


def test_warming_embeds_what_is_missing_in_bounded_batches_then_nothing(knowledge):
    assert warm(knowledge, limit=1) == 1 and len(missing_texts(knowledge)) == 1
    assert warm(knowledge) == 1 and missing_texts(knowledge) == []
    assert warm(knowledge) == 0 and len(knowledge.embedded) == 2


def test_relais_warm_says_what_it_did_and_what_is_left(knowledge):
    out = StringIO()
    call_command("warm", "--limit", "1", stdout=out)
    assert out.getvalue().strip() == "1 sentences embedded; 1 left to embed."
    out = StringIO()
    call_command("warm", stdout=out)
    assert out.getvalue().strip() == "1 sentences embedded; 0 left to embed."


def test_the_sweep_forgets_the_vectors_of_pages_no_longer_in_force_and_embeds_the_new_ones(knowledge, monkeypatch):
    warm(knowledge)
    assert SentenceVector.objects.count() == 2
    assert forget_unused(knowledge) == 0
    Document.objects.filter(source__endswith="teletravail.md").update(valid_until=date.today() - timedelta(days=1))
    Document.objects.filter(source__endswith="ancienne-note.md").update(valid_until=None)
    monkeypatch.setattr(get_passage_index(), "embedder", knowledge, raising=False)
    warm_sentences.call()  # the worker's job: the old guide's two vectors out, the note's one in
    assert SentenceVector.objects.count() == 1
    assert missing_texts(knowledge) == []
    assert reader_texts() == ["Ancienne note > Horaires > Le service ouvrait à 8 h."]
