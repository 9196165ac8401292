"""Which sentences to quote: the sentence model judged leave-one-corpus-out, against the rule it replaces.

For every question of a blind set that has an answer and a `fact` (the fragments its author copied from the
document), the document Relais would answer from is ranked as the pipeline ranks it, and every quotable sentence
of its first passages is a candidate (relais.engine.answers.sentence_choice). A sentence is right when it states
the fact. The model is fitted on the sentences of every corpus but one and judged on the one left out: « fact
stated » is the share of questions whose quoted sentences hold the fact — the same check as `relais eval
answers`, on the sentences alone, whatever the answer/abstain decision says.

    .venv/bin/python bench/corpora.py --data-root /work/benchdata/corpora   # loads the corpora once
    .venv/bin/python bench/sentence_choice.py --data-root /work/benchdata/corpora [--fit]

The corpora: the demo (agents' sets, and the citizens' set on the public pages) and eval/corpora/*. The
previous rule (the best passage, and the next one within 90 % of its score, up to three sentences each sharing
the most words with the question) is scored on the same questions as the baseline. --fit writes the model fitted
on every corpus to src/relais/engine/answers/sentence-model.json with its provenance.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpora import ROOT, corpora
from relais.engine.answers.fitting import logistic

LIMITS = (1, 2, 3)


@dataclass
class Question:
    corpus: str
    question: str
    fact: tuple[str, ...]
    right_document: bool  # the document ranked first is the expected one
    baseline_stated: bool  # the previous rule's quote states the fact
    features: np.ndarray  # one row per candidate sentence
    labels: np.ndarray  # 1 when the sentence states the fact
    texts: list[str]
    # candidates' (passage rank, position), to apply the list rule as read_document does
    places: list[tuple[int, int]]
    closeness: np.ndarray  # cosine of the question and each sentence under its headings (sentence_choice.titled)
    training: bool = False  # from tools/reader/training-questions: fitted on, never judged


# --- collection, inside a data folder (Django set up) ---------------------------------------------------------


def collect(question_set: Path, audience: str) -> list[dict]:
    from relais.assistant.evaluation import read_facts, read_questions, states_fact
    from relais.assistant.pipeline import gather
    from relais.engine.answers.decision import SHIPPED_MODEL
    from relais.engine.answers.extractive import rank_documents
    from relais.engine.answers.sentence_choice import candidates, lexical_features, titled
    from relais.knowledge.index import get_passage_index
    from relais.knowledge.models import Document

    stems = {d.pk: Path(d.source).stem for d in Document.objects.all()}
    facts = read_facts(question_set)
    idf = get_passage_index().idf
    out = []
    for question, expected in read_questions(question_set):
        if expected == "none" or question not in facts:
            continue
        signals = gather(question, frozenset({audience}))
        evidence = signals.evidence()
        if not evidence:
            continue
        ranked = rank_documents(
            evidence,
            signals.faq_scores(),
            SHIPPED_MODEL.faq_weight,
            question=question,
            coverage_weight=SHIPPED_MODEL.coverage_weight,
        )
        passages = ranked[0].passages
        # The previous rule, as compose_extractive applied it.
        quoted = [passages[0]]
        if len(passages) > 1 and passages[1].fused_score >= 0.9 * passages[0].fused_score:
            quoted.append(passages[1])
        baseline = " ".join(" ".join(previous_rule(question, p.text)) for p in quoted)
        found = candidates(passages)
        vectors = get_passage_index().embedder.embed_passages([titled(passages[c.passage_rank], c.text) for c in found])
        out.append(
            {
                "question": question,
                "fact": facts[question],
                "right_document": stems.get(ranked[0].document_id) == Path(expected).stem,
                "baseline_stated": states_fact(baseline, facts[question]),
                "features": lexical_features(question, passages, found, idf),
                "labels": np.array([states_fact(c.text, facts[question]) for c in found], dtype=float),
                "texts": [c.text for c in found],
                "places": [(c.passage_rank, c.position) for c in found],
                "closeness": vectors @ signals.query_vector,
            }
        )
    return out


def previous_rule(question: str, text: str, limit: int = 3) -> list[str]:
    """The sentences the extract quoted from one passage until 2026-12-07: the ``limit`` sharing the most analysed
    words with the question (those sharing none left out), in the passage's order, each list introduction with
    its first item; the first ``limit`` when none shares a word."""
    from relais.engine.answers.sentence_choice import quotable_sentences
    from relais.engine.french.analysis import analyze

    asked = set(analyze(question))
    found = quotable_sentences(text)
    scored = sorted(((len(asked & set(analyze(s))), -i) for i, s in enumerate(found)), reverse=True)[:limit]
    if not scored or scored[0][0] == 0:
        return found[:limit]
    keep = {-negative for overlap, negative in scored if overlap > 0}
    for index in sorted(keep):
        if found[index].endswith(":") and index + 1 < len(found):
            keep.add(index + 1)
    return [found[i] for i in sorted(keep)]


def question_sets() -> list[tuple[str, str, Path, str]]:
    """(corpus, data folder name, question set, audience) for every blind set with facts."""
    found = []
    for corpus in corpora():
        for question_set in corpus.question_sets:
            found.append((corpus.name, corpus.name, question_set, "agents"))
        if corpus.name == "demo":
            found.append(("public", "demo", ROOT / "demo" / "public" / "questions.yaml", "public"))
    return found


def collected(question_set: Path, audience: str, data_dir: Path) -> list[dict]:
    """`collect` run on one question set inside ``data_dir``, in a child process (Django set up there)."""
    with tempfile.NamedTemporaryFile(suffix=".pickle") as dump:
        env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [sys.executable, __file__, "--collect", str(question_set), audience, dump.name]
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        return pickle.loads(Path(dump.name).read_bytes())


def gather_all(data_root: Path) -> list[Question]:
    questions = []
    for corpus, folder, question_set, audience in question_sets():
        questions += [
            Question(corpus=corpus, **fields) for fields in collected(question_set, audience, data_root / folder)
        ]
    return questions


def gather_training(data_root: Path, folder: Path) -> list[Question]:
    """The training questions of tools/reader/training-questions (written blind, apart from the evaluation sets):
    a sentence is right when it holds one sentence of the passage the writer quoted as the answer."""
    import yaml

    questions = []
    for training_set in sorted(folder.glob("*.yaml")):
        entries = yaml.safe_load(training_set.read_text(encoding="utf-8"))
        converted = [
            {"question": e["question"], "expected": e["expected"], "fact": quoted_sentences(e["passage"])}
            for e in entries
            if str(e["expected"]) != "none"
        ]
        with tempfile.TemporaryDirectory() as scratch:
            question_set = Path(scratch) / "questions.yaml"
            question_set.write_text(yaml.safe_dump(converted, allow_unicode=True), encoding="utf-8")
            found = collected(question_set, "agents", data_root / training_set.stem)
        questions += [Question(corpus=training_set.stem, training=True, **fields) for fields in found]
    return questions


def quoted_sentences(passage: str) -> list[str]:
    """The quote's sentences long enough not to match by chance (the whole quote when none is)."""
    import re

    sentences = [s.strip() for s in re.split(r"(?<=[.!?;:])\s+", passage) if len(s.strip()) >= 25]
    return sentences or [passage.strip()]


# --- fitting and judging --------------------------------------------------------------------------------------


# Pairs per right sentence: it against this many wrong sentences of the same question, drawn with a fixed seed.
NEGATIVES_PER_POSITIVE = 15
SHORTLIST = 6
# The sentences closest in meaning added to the shortlist (fifteenth session: 0, 1, 2, 3, 4 tried, docs/benchmarks.md).
CLOSEST = 3


def pairwise(rows: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Weights of a linear ranker: a logistic regression (fitting.logistic) on the differences between a right
    and a wrong sentence of the same question, each pair in both orders; ``rows``: (features, labels) per question."""
    rng = np.random.default_rng(0)
    differences = []
    for features, labels in rows:
        right, wrong = np.flatnonzero(labels), np.flatnonzero(labels == 0)
        for p in right:
            for n in rng.permutation(wrong)[:NEGATIVES_PER_POSITIVE]:
                differences.append(features[p] - features[n])
    x = np.array(differences)
    _mean, scale, coef = logistic(np.vstack([x, -x]), np.concatenate([np.ones(len(x)), np.zeros(len(x))]))
    return coef[:-1] / scale


@dataclass(frozen=True)
class Rankers:
    lexical: np.ndarray
    reader: np.ndarray
    shortlist: int
    closest: int = CLOSEST


def reader_shortlist(question: Question, lexical: np.ndarray, size: int, closest: int = CLOSEST) -> list[int]:
    """The candidates the reader reads, in the passages' order (as read_document)."""
    from relais.engine.answers.sentence_choice import ranked, shortlisted

    found = candidates_of(question)
    return shortlisted(ranked(question.features @ lexical, found), question.closeness, found, size, closest)


def candidates_of(question: Question) -> list:
    from relais.engine.answers.sentence_choice import SentenceCandidate

    places = zip(question.places, question.texts, strict=True)
    return [SentenceCandidate(rank, position, text) for (rank, position), text in places]


def reader_rows(question: Question, picked: list[int]) -> np.ndarray:
    sys.path.insert(0, str(ROOT / "src"))
    from relais.engine.answers.sentence_choice import reader_features

    return reader_features(question.features[picked], question.closeness[picked])


def fit(questions: list[Question], size: int = SHORTLIST, closest: int = CLOSEST) -> Rankers:
    lexical = pairwise([(q.features, q.labels) for q in questions])
    rows = []
    for q in questions:
        picked = reader_shortlist(q, lexical, size, closest)
        rows.append((reader_rows(q, picked), q.labels[picked]))
    return Rankers(lexical, pairwise(rows), size, closest)


def chosen(question: Question, rankers: Rankers, limit: int) -> list[int]:
    """The candidates read_document quotes (same shortlist, ordering and list rule)."""
    from relais.engine.answers.sentence_choice import ranked, with_list_items

    found = candidates_of(question)
    picked = reader_shortlist(question, rankers.lexical, rankers.shortlist, rankers.closest)
    scores = reader_rows(question, picked) @ rankers.reader
    order = [picked[n] for n in ranked(scores, [found[n] for n in picked])]
    return with_list_items(order, found, limit)


def stated(question: Question, rankers: Rankers, limit: int) -> bool:
    return bool(any(question.labels[n] for n in chosen(question, rankers, limit)))


def report(questions: list[Question], shipped: Rankers) -> dict[str, dict[str, float]]:
    print(
        "| corpus | questions | right document | fact in the candidates | previous rule "
        "| left out: 1 / 2 / 3 sentences | shipped model: 1 / 3 sentences |"
    )
    print("|---|---|---|---|---|---|---|")
    held_out = {}
    for name in sorted({q.corpus for q in questions if not q.training}):
        inside = [q for q in questions if q.corpus == name and not q.training]
        rankers = fit([q for q in questions if q.corpus != name])
        left_out = [float(np.mean([stated(q, rankers, k) for q in inside])) for k in LIMITS]
        held_out[name] = {f"fact_in_{k}": round(v, 3) for k, v in zip(LIMITS, left_out, strict=True)}
        print(
            f"| {name} | {len(inside)} | {np.mean([q.right_document for q in inside]):.3f} "
            f"| {np.mean([q.labels.any() for q in inside]):.3f} | {np.mean([q.baseline_stated for q in inside]):.3f} "
            f"| {' / '.join(f'{v:.3f}' for v in left_out)} "
            f"| {np.mean([stated(q, shipped, 1) for q in inside]):.3f} / "
            f"{np.mean([stated(q, shipped, 3) for q in inside]):.3f} |"
        )
    return held_out


def write_model(questions: list[Question], held_out: dict) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from relais.engine.answers.sentence_choice import SENTENCE_MODEL_FILE, SentenceModel

    rankers = fit(questions)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT)
    counts = {
        name: sum(q.corpus == name and not q.training for q in questions)
        for name in sorted({q.corpus for q in questions})
    }
    training = sum(q.training for q in questions)
    model = SentenceModel(
        tuple(round(float(w), 4) for w in rankers.lexical),
        tuple(round(float(w), 4) for w in rankers.reader),
        rankers.shortlist,
        rankers.closest,
        {
            "fitted_by": "bench/sentence_choice.py --fit",
            "fitted_on": "the candidate sentences of every answerable question with a fact, per corpus: "
            + ", ".join(f"{name} {n}" for name, n in counts.items())
            + (f", and {training} training questions (tools/reader/training-questions)" if training else "")
            + " (questions with no right sentence among their candidates left out)",
            "method": "two pairwise linear rankers: an L2-regularised (lambda = 1) logistic regression on the "
            f"differences between a right and a wrong sentence of one question (up to {NEGATIVES_PER_POSITIVE} wrong "
            "ones per right one, both orders), on standardised features, written back on the raw ones; the reader is "
            "fitted on the shortlist (the lexical ranker's best and the sentences closest in meaning); a sentence is "
            "right when it holds one fragment of the question's fact",
            "commit": commit.stdout.strip(),
            "date": date.today().isoformat(),
            "leave_one_corpus_out": held_out,
        },
    )
    SENTENCE_MODEL_FILE.write_text(json.dumps(model.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SENTENCE_MODEL_FILE.relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-corpora"))
    parser.add_argument("--fit", action="store_true", help="write the model fitted on every corpus")
    parser.add_argument("--cache", type=Path, help="keep the collected sentences in this file, read it if it exists")
    parser.add_argument(
        "--training-questions",
        type=Path,
        help="also fit on these training questions (tools/reader/training-questions); never judged on them",
    )
    parser.add_argument("--collect", nargs=3, metavar=("SET", "AUDIENCE", "DUMP"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.collect:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
        import django

        django.setup()
        from relais.cli import prepare_database

        prepare_database("bench")
        question_set, audience, dump = options.collect
        Path(dump).write_bytes(pickle.dumps(collect(Path(question_set), audience)))
        return
    if options.cache and options.cache.exists():
        questions = [Question(**fields) for fields in pickle.loads(options.cache.read_bytes())]
    else:
        questions = gather_all(options.data_root)
        if options.training_questions:
            questions += gather_training(options.data_root, options.training_questions)
        if options.cache:
            options.cache.write_bytes(pickle.dumps([vars(q) for q in questions]))  # plain data
    sys.path.insert(0, str(ROOT / "src"))
    from relais.engine.answers.sentence_choice import SHIPPED_SENTENCE_MODEL

    model = SHIPPED_SENTENCE_MODEL
    shipped = Rankers(np.array(model.lexical), np.array(model.reader), model.shortlist, model.closest)
    held_out = report(questions, shipped)
    if options.fit:
        write_model(questions, held_out)


if __name__ == "__main__":
    main()
