"""Does the answer state the fact? Etalab's answer spans over service-public fiches (answers-dev.jsonl).

`../shared/eval/dev/service-public/answers-dev.jsonl` holds 93 questions of Etalab's PIAF service-public test set,
each with the answer span its annotators marked in a fiche. This bench loads those fiches (their text as the
corpus gives it: the title removed, one paragraph per line, no headings) and, as distractors, the three fiches of
the corpus closest to each question by BM25 (so each question has neighbours that speak of the same topic), into
its own data folder; then asks every question as an agent and reads the answer:

- right fiche first: the fiche holding the span is the first source cited;
- span stated: the answer text contains the span (case, accents, apostrophes, spacing and final punctuation
  ignored) — the strict reading of « the answer states the fact »;
- span words: the share of the span's words the answer contains (mean), and the share of answers containing at
  least 80 % of them (spans are long phrases, 9.5 words on average: a close rewording counts here);
- abstained: Relais said the documentation does not answer (every question here is answerable).

    .venv/bin/python bench/answers_dev.py [--data-root /tmp/relais-answers-dev] [--misses]

The questions are also qr-dev queries: this measures answers, nothing is tuned on it. Quality figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import ROOT, run

EVAL = ROOT.parent / "shared" / "eval" / "dev" / "service-public"
DISTRACTORS_PER_QUESTION = 3
MOSTLY = 0.8


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def fiche_file(corpus_id: str) -> str:
    """`particuliers:F34355` → `F34355.md` (a fiche present for two audiences has the same text: one file)."""
    return corpus_id.split(":", 1)[1] + ".md"


def choose_fiches(questions: list[dict], corpus: list[dict]) -> dict[str, str]:
    """File name → text: every fiche holding a span, and the BM25 neighbours of each question."""
    import bm25s
    import Stemmer

    texts = {fiche_file(doc["_id"]): doc["text"] for doc in corpus}
    names = list(texts)
    stemmer = Stemmer.Stemmer("french")
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([texts[n] for n in names], stopwords="fr", stemmer=stemmer, show_progress=False),
        show_progress=False,
    )
    chosen = {fiche_file(r) for q in questions for r in q["relevant"]}
    query_tokens = bm25s.tokenize([q["query"] for q in questions], stopwords="fr", stemmer=stemmer, show_progress=False)
    ranked, _ = retriever.retrieve(query_tokens, k=DISTRACTORS_PER_QUESTION + 4, show_progress=False)
    for question, row in zip(questions, ranked, strict=True):
        own = {fiche_file(r) for r in question["relevant"]}
        neighbours = [names[i] for i in row if names[i] not in own]
        chosen.update(neighbours[:DISTRACTORS_PER_QUESTION])
    return {name: texts[name] for name in sorted(chosen)}


def write_documents(folder: Path, fiches: dict[str, str]) -> None:
    """One Markdown file per fiche, each line of the corpus text its own paragraph (the corpus keeps no headings)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in fiches.items():
        paragraphs = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        path = folder / name
        content = "\n\n".join(paragraphs) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")


def words(text: str) -> list[str]:
    from relais.assistant.evaluation import comparable_for_facts

    return re.findall(r"\w+", comparable_for_facts(text))


def judge(question: dict, answer_text: str, cited: list[str], abstained: bool, confidence: float) -> dict:
    from relais.assistant.evaluation import states_fact

    span = question["answer"].strip().rstrip(".,;:!?… ").strip()
    span_words = words(span)
    present = set(words(answer_text))
    recall = sum(w in present for w in span_words) / max(len(span_words), 1)
    own = {fiche_file(r) for r in question["relevant"]}
    return {
        "query": question["query"],
        "span": span,
        "abstained": abstained,
        "confidence": round(confidence, 3),
        "right_first": bool(cited) and cited[0] in own,
        "stated": not abstained and states_fact(answer_text, [span]),
        "recall": 0.0 if abstained else recall,
        "answer": answer_text[:300],
        "cited": cited[:2],
    }


def run_questions(questions: list[dict]) -> list[dict]:
    """Inside Django (RELAIS_DATA_DIR set): every question asked as an agent, in a transaction rolled back."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    import django

    django.setup()
    from django.db import transaction

    from relais.assistant.pipeline import ask
    from relais.knowledge.models import Document

    results = []
    with transaction.atomic():
        files = {d.pk: Path(d.source).name for d in Document.objects.all()}
        for question in questions:
            answer = ask(question["query"], audiences=frozenset({"agents"})).answer
            cited = [files.get(c.document_id, "") for c in answer.citations]
            results.append(judge(question, answer.text, cited, answer.mode == "none", answer.confidence))
        transaction.set_rollback(True)
    return results


def figures(results: list[dict]) -> dict[str, float]:
    n = max(len(results), 1)
    return {
        "questions": len(results),
        "right_first": sum(r["right_first"] for r in results) / n,
        "stated": sum(r["stated"] for r in results) / n,
        "recall": sum(r["recall"] for r in results) / n,
        "mostly": sum(r["recall"] >= MOSTLY for r in results) / n,
        "abstained": sum(r["abstained"] for r in results) / n,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-answers-dev"))
    parser.add_argument("--eval", type=Path, default=EVAL, help="the service-public folder of ../shared/eval/dev")
    parser.add_argument("--misses", action="store_true", help="print every answer that does not contain the span")
    parser.add_argument("--ask", action="store_true", help=argparse.SUPPRESS)  # the child process's job
    options = parser.parse_args()
    questions = read_jsonl(options.eval / "answers-dev.jsonl")
    if options.ask:
        print(json.dumps(run_questions(questions), ensure_ascii=False))
        return
    data_dir = options.data_root / "data"
    documents = options.data_root / "documents"
    write_documents(documents, choose_fiches(questions, read_jsonl(options.eval / "corpus.jsonl")))
    run(data_dir, "migrate", "-v0")
    run(data_dir, "ingest", str(documents), "--collection", "service-public", "--audience", "agents", "--prune")
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, __file__, "--ask", "--eval", str(options.eval)],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr[-3000:])
    results = json.loads(done.stdout.strip().splitlines()[-1])
    f = figures(results)
    fiches = len(list(documents.glob("*.md")))
    print(f"{f['questions']} questions over {fiches} fiches (the spans' fiches and {DISTRACTORS_PER_QUESTION} BM25")
    print("neighbours each)\n")
    print("| right fiche first | span stated | span words (mean) | ≥ 80 % of the span's words | abstained |")
    print("|---|---|---|---|---|")
    cells = (f["right_first"], f["stated"], f["recall"], f["mostly"], f["abstained"])
    print("| " + " | ".join(f"{value:.3f}" for value in cells) + " |")
    if options.misses:
        for r in results:
            if not r["stated"]:
                where = f"({r['confidence']:.2f}) {r['query']!r} span {r['span']!r}"
                print(f"  MISS {where} → {r['cited']} {r['answer']!r}")


if __name__ == "__main__":
    main()
