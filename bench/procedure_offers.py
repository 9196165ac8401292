"""When does the chat offer a guided procedure? Offers made and missed at each threshold.

Positives: demo/procedure_questions.yaml (agents asking to *do* a procedure, not the trigger phrasings).
Negatives: demo/questions.yaml, except the questions about the procedures' own topics (ordre de mission and
mission expenses, first login), where an offer is welcome but not required. Prints, per threshold, the share of
positives offered the right procedure and the share of negatives offered one; the last line is JSON.

    export RELAIS_DATA_DIR=/tmp/relais-offers && .venv/bin/relais demo
    .venv/bin/python bench/procedure_offers.py [--thresholds 0.86,0.88,0.9,0.92]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# Questions whose expected document is a procedure's own topic: an offer there is fine either way.
TOPIC_DOCUMENTS = {
    "ordre-de-mission-et-frais-de-deplacement",
    "frais-de-deplacement-indemnites-repas-hebergement",  # mission expenses: offering the request is on topic
    "bareme-frais-de-deplacement-2026",
    "premiere-connexion-au-poste-de-travail",
}


def scores(questions: list[str]) -> list[tuple[str, float]]:
    from relais.knowledge.index import get_passage_index
    from relais.procedures.matching import best_match

    embedder = get_passage_index().embedder
    vectors = embedder.embed_queries(questions)
    results = []
    for question, vector in zip(questions, vectors, strict=True):
        match = best_match(question, vector, embedder)
        results.append((match[0].slug, match[1]) if match else ("", 0.0))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--thresholds", default="0.84,0.86,0.88,0.89,0.9,0.91,0.92")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    import django

    django.setup()
    positives = yaml.safe_load((ROOT / "demo" / "procedure_questions.yaml").read_text(encoding="utf-8"))
    negatives = [
        item["question"]
        for item in yaml.safe_load((ROOT / "demo" / "questions.yaml").read_text(encoding="utf-8"))
        if Path(str(item["expected"])).stem not in TOPIC_DOCUMENTS
    ]
    positive_scores = scores([item["question"] for item in positives])
    negative_scores = scores(negatives)
    rows = []
    for threshold in (float(t) for t in args.thresholds.split(",")):
        offered = sum(
            slug == item["procedure"] and score >= threshold
            for item, (slug, score) in zip(positives, positive_scores, strict=True)
        )
        wrong = [q for q, (_, score) in zip(negatives, negative_scores, strict=True) if score >= threshold]
        rows.append(
            {
                "threshold": threshold,
                "offered": offered / len(positives),
                "wrongly_offered": len(wrong) / len(negatives),
            }
        )
        print(
            f"threshold {threshold:.2f}: right offer {offered}/{len(positives)}, "
            f"offered wrongly {len(wrong)}/{len(negatives)}"
        )
        for question in wrong[:5]:
            print(f"    wrongly offered: {question}")
    missed = [
        (item["question"], slug, round(score, 3))
        for item, (slug, score) in zip(positives, positive_scores, strict=True)
    ]
    for question, slug, score in sorted(missed, key=lambda row: row[2])[:5]:
        print(f"lowest positive: {score} {slug} — {question}")
    top = sorted(zip(negatives, negative_scores, strict=True), key=lambda row: -row[1][1])[:5]
    for question, (slug, score) in top:
        print(f"highest negative: {score:.3f} {slug} — {question}")
    print(json.dumps({"positives": len(positives), "negatives": len(negatives), "thresholds": rows}))


if __name__ == "__main__":
    main()
