"""Property: whatever the collections, audiences, validity windows and query, search never returns a passage
outside the filters (the audience and per-service restrictions are enforced in the index, not in views)."""

import hashlib
from datetime import date, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relais.engine.search.hybrid_index import HybridIndex, IndexEntry, SearchFilters

WORDS = ["congés", "mission", "vpn", "badge", "paie", "piscine", "état", "civil", "imprimante", "cantine", "rtt"]
COLLECTIONS = ["rh", "dsi", "cabinet-du-maire", "site-public"]
AUDIENCES = ["agents", "public"]
DIM = 16
TODAY = date(2026, 11, 26)


class HashEmbedder:
    """A deterministic stand-in: the property is about filtering, not about embedding quality."""

    name = "hash-test"
    dim = DIM

    def _embed(self, texts):
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
            vector = np.random.default_rng(seed).standard_normal(DIM).astype(np.float32)
            rows.append(vector / np.linalg.norm(vector))
        return np.vstack(rows)

    embed_queries = _embed
    embed_passages = _embed


validity = st.one_of(
    st.none(), st.integers(min_value=-400, max_value=400).map(lambda days: TODAY + timedelta(days=days))
)
passage = st.fixed_dictionaries(
    {
        "words": st.lists(st.sampled_from(WORDS), min_size=1, max_size=6),
        "collection": st.sampled_from(COLLECTIONS),
        "audience": st.sampled_from(AUDIENCES),
        "valid_from": validity,
        "valid_until": validity,
    }
)
filters = st.builds(
    SearchFilters,
    collections=st.one_of(st.none(), st.frozensets(st.sampled_from(COLLECTIONS))),
    audiences=st.one_of(st.none(), st.frozensets(st.sampled_from(AUDIENCES))),
    on_date=st.one_of(st.none(), st.just(TODAY)),
)


def allowed(entry: IndexEntry, search: SearchFilters) -> bool:
    if search.collections is not None and entry.collection not in search.collections:
        return False
    if search.audiences is not None and entry.audience not in search.audiences:
        return False
    if search.on_date is not None:
        if entry.valid_from is not None and entry.valid_from > search.on_date:
            return False
        if entry.valid_until is not None and entry.valid_until < search.on_date:
            return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    passages=st.lists(passage, min_size=1, max_size=25),
    search=filters,
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=4).map(" ".join),
    mode=st.sampled_from(["hybrid", "lexical", "dense"]),
)
def test_search_never_returns_a_passage_outside_the_filters(passages, search, query, mode):
    embedder = HashEmbedder()
    texts = [" ".join(p["words"]) for p in passages]
    vectors = embedder.embed_passages(texts)
    entries = {
        n: IndexEntry(n, n, text, vectors[n], p["collection"], p["audience"], p["valid_from"], p["valid_until"])
        for n, (text, p) in enumerate(zip(texts, passages, strict=True))
    }
    index = HybridIndex(embedder)
    index.add(list(entries.values()))
    hits = index.search(query, k=10, filters=search, mode=mode)
    leaks = [hit.passage_id for hit in hits if not allowed(entries[hit.passage_id], search)]
    assert leaks == []
    # and the filter is not trivially empty: every allowed passage sharing a query word can be found
    reachable = {
        n for n, e in entries.items() if allowed(e, search) and set(query.split()) & set(e.lexical_text.split())
    }
    if mode == "lexical" and len(reachable) <= 10:
        assert reachable <= {hit.passage_id for hit in hits}
