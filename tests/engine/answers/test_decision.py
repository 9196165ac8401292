"""The answer model is a data file with its provenance, read at start; a file that does not fit fails clearly."""

import json

import pytest

from relais.engine.answers.decision import (
    ANSWER_MODEL_FILE,
    FEATURES,
    SHIPPED_MODEL,
    load_answer_model,
    write_answer_model,
)


def test_the_shipped_model_says_what_it_was_fitted_on_and_how_it_scores():
    provenance = SHIPPED_MODEL.provenance
    assert provenance["fitted_by"] == "bench/answers_loco.py --fit"
    # Fitted on several corpora, judged on each one left out (principle: nothing fitted on one corpus).
    corpora = provenance["leave_one_corpus_out"]
    assert len(corpora) >= 4 and {"demo", "fonction-publique"} <= set(corpora)
    assert all(name in provenance["fitted_on"] for name in corpora)
    for figures in corpora.values():
        assert set(figures) == {"correct_source_first", "correct_abstention", "wrong_abstention"}
    assert provenance["commit"] and provenance["date"]
    assert len(SHIPPED_MODEL.weights) == len(FEATURES)


def test_a_model_written_reads_back_the_same(tmp_path):
    path = tmp_path / "model.json"
    write_answer_model(SHIPPED_MODEL, path)
    assert load_answer_model(path) == SHIPPED_MODEL
    assert load_answer_model(path).provenance == SHIPPED_MODEL.provenance


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data.update(features=["dense", "margin"]),
        lambda data: data.update(weights=data["weights"][:2]),
        lambda data: data.pop("intercept"),
        lambda data: data.update(format=99),
    ],
)
def test_a_model_that_does_not_fit_the_code_stops_the_start_with_what_to_do(tmp_path, change):
    data = json.loads(ANSWER_MODEL_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "model.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RuntimeError, match="refit it"):
        load_answer_model(path)
