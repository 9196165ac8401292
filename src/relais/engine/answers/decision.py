"""The decision model: rank documents, then answer or abstain, with weights read from a data file.

The weights are fitted, not chosen by hand, and a fit is only as good as what it was fitted on: so they live
in `answer-model.json` beside this module with their provenance (question set, method, commit, date, the
cross-validated and held-out figures), are read once when the module is imported, and are rewritten by
`bench/answers_loco.py --fit` (fitted on every corpus, judged on each one left out). Nothing else in the code
holds a weight of this model.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The signals about the chosen document, in the order of the model's weights (see extractive.py, « Decide »).
FEATURES = ("dense", "margin", "coverage", "unknown", "shortcuts", "closeness")
ANSWER_MODEL_FILE = Path(__file__).with_name("answer-model.json")
MODEL_FORMAT = 1


@dataclass(frozen=True)
class Features:
    dense: float  # best raw cosine among the document's passages
    margin: float  # its score minus the next document's, clipped to [0, 1]
    coverage: float  # best share of the question's content terms (weighted by rarity) in one sentence
    unknown: int  # long content terms of the question that no retrieved passage contains
    shortcuts: int = 0  # short tokens no retrieved passage contains that are neither words nor acronyms
    # The sentence reader's closeness: the cosine of the question and the closest sentence it read of the document,
    # under its headings (sentence_choice.read_document). Without an embedder at hand, the passage's cosine stands in.
    closeness: float | None = None

    def as_tuple(self) -> tuple[float, ...]:
        closeness = self.dense if self.closeness is None else self.closeness
        return (self.dense, self.margin, self.coverage, float(self.unknown), float(self.shortcuts), closeness)


@dataclass(frozen=True)
class AnswerModel:
    """Document ranking weights, the logistic model that decides between answering and abstaining, and the
    coverage margin by which an extract outweighs a curated answer."""

    faq_weight: float
    coverage_weight: float
    weights: tuple[float, ...]
    intercept: float
    specific_margin: float
    provenance: dict[str, Any] = field(default_factory=dict, compare=False)

    def probability(self, features: Features) -> float:
        z = self.intercept + sum(w * x for w, x in zip(self.weights, features.as_tuple(), strict=True))
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def as_json(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "features": list(FEATURES),
            "faq_weight": self.faq_weight,
            "coverage_weight": self.coverage_weight,
            "weights": list(self.weights),
            "intercept": self.intercept,
            "specific_margin": self.specific_margin,
            "provenance": self.provenance,
        }


def load_answer_model(path: Path = ANSWER_MODEL_FILE) -> AnswerModel:
    """Read a model file; a file that does not fit this code fails at start, saying what to do."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"{path}: not a usable answer model ({type(exc).__name__}: {exc})") from exc
    return model_from_json(data, path)


def model_from_json(data: Any, origin: Path | str) -> AnswerModel:
    """An AnswerModel from its JSON form (as_json); ``origin`` names where it came from in the error."""
    try:
        if data["format"] != MODEL_FORMAT or tuple(data["features"]) != FEATURES:
            raise ValueError(f"format {data['format']} with features {data['features']}")
        model = AnswerModel(
            faq_weight=float(data["faq_weight"]),
            coverage_weight=float(data["coverage_weight"]),
            weights=tuple(float(w) for w in data["weights"]),
            intercept=float(data["intercept"]),
            specific_margin=float(data["specific_margin"]),
            provenance=dict(data.get("provenance", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RuntimeError(
            f"{origin}: not a usable answer model ({type(exc).__name__}: {exc}); this code expects format "
            f"{MODEL_FORMAT} with features {list(FEATURES)}: refit it with `bench/answers_loco.py --fit` "
            "(the shipped model) or `relais answers fit --save` (a town's)."
        ) from exc
    if len(model.weights) != len(FEATURES):
        raise RuntimeError(f"{origin}: {len(model.weights)} weights for {len(FEATURES)} features; refit it.")
    return model


def write_answer_model(model: AnswerModel, path: Path = ANSWER_MODEL_FILE) -> None:
    path.write_text(json.dumps(model.as_json(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# Read once, at start: every answer uses the same model, and a broken file stops the server before it serves.
SHIPPED_MODEL = load_answer_model()
