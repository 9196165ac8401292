"""Which FAQ entry a question meets first."""

from types import SimpleNamespace

import numpy as np
import pytest

from relais.knowledge.faq import faq_matches
from relais.knowledge.models import Collection, FaqEntry

pytestmark = pytest.mark.django_db

EMBEDDER = SimpleNamespace(name="test-embedder", dim=4)


def entry(collection: Collection, question: str, answer: str, vector: list[float]) -> FaqEntry:
    matrix = np.array([vector], dtype=np.float32)
    return FaqEntry.objects.create(
        collection=collection, question=question, answer=answer, embeddings=matrix.tobytes(), embedder=EMBEDDER.name
    )


def test_of_two_entries_sharing_a_phrasing_the_latest_comes_first():
    rh = Collection.objects.create(name="rh", audience="agents")
    older = entry(rh, "Comment se passe la journée de solidarité ?", "Elle est lissée sur l'année.", [1, 0, 0, 0])
    newer = entry(rh, "solidarité 7 heures", "Le service RH traite cette question au cas par cas.", [1, 0, 0, 0])
    other = entry(rh, "Combien de RTT ?", "Selon le cycle.", [0.6, 0.8, 0, 0])
    question = np.array([1, 0, 0, 0], dtype=np.float32)
    matches = faq_matches(question, {"agents"}, EMBEDDER)
    assert [m.entry for m in matches] == [newer, older, other]
    assert matches[0].score == matches[1].score == pytest.approx(1.0)
    assert faq_matches(question, {"public"}, EMBEDDER) == []  # another audience reads none of them
