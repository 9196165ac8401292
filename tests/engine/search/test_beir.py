import json
import math

import pytest

from relais.engine.search.beir import load_beir, mrr_at, ndcg_at, percentile, recall_at, summarize


def test_ndcg_with_graded_judgments():
    judged = {"a": 2, "b": 1}
    assert ndcg_at(["a", "b"], judged) == 1.0
    expected = (1 / math.log2(2) + 2 / math.log2(3)) / (2 / math.log2(2) + 1 / math.log2(3))
    assert ndcg_at(["b", "a"], judged) == pytest.approx(expected)
    assert ndcg_at(["x"], judged) == 0.0


def test_recall_and_mrr():
    judged = {"a": 1, "b": 1}
    assert recall_at(["x", "a", "y", "b"], judged, 1) == 0.0
    assert recall_at(["x", "a", "y", "b"], judged, 10) == 1.0
    assert mrr_at(["x", "a"], judged) == 0.5
    assert mrr_at(["x"] * 10 + ["a"], judged) == 0.0


def test_percentile_nearest_rank():
    assert percentile([5, 1, 3, 2, 4], 50) == 3
    assert percentile(list(range(1, 101)), 95) == 95


def test_summarize_averages_over_queries():
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    result = summarize({"q1": ["a"], "q2": ["x", "b"]}, qrels)
    assert result["mrr@10"] == 0.75 and result["recall@1"] == 0.5 and result["recall@10"] == 1.0


def test_load_beir_keeps_only_judged_queries(tmp_path):
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(json.dumps({"_id": "d1", "title": "T", "text": "x"}) + "\n")
    queries = [{"_id": "q1", "text": "un"}, {"_id": "q2", "text": "deux"}]
    (tmp_path / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    (tmp_path / "qrels" / "dev.tsv").write_text("query-id\tcorpus-id\tscore\nq2\td1\t1\n")
    beir = load_beir(tmp_path, "dev")
    assert beir.queries == {"q2": "deux"} and beir.qrels == {"q2": {"d1": 1}}
    with pytest.raises(FileNotFoundError, match="split 'test'"):
        load_beir(tmp_path, "test")
