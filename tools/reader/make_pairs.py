"""Training groups for the reader, built from the structure of service-public fiches (Licence Ouverte).

Run with the project's environment (it needs bm25s and PyStemmer, both project dependencies):

    .venv/bin/python tools/reader/make_pairs.py --out /work/benchdata/reader/groups.jsonl

A service-public fiche is written as questions a citizen asks (« Qui est concerné ? », « Comment faire la
demande ? ») each followed by the text that answers it. One training group is:
- the query: that question, tied to its fiche's subject (« Rupture conventionnelle : qui est concerné ? ») when the
  question alone does not name it;
- the positive: the section that follows the question;
- the negatives: other sections of the same fiche (same subject, another question: the « how » versus « how many »
  mistakes), the same question in another fiche (same kind, another object), and the closest section of another
  fiche by BM25 (the « page about the topic » that does not answer).

What is never used: any evaluation query, and no fiche that an evaluation set points at — the targets of qr-dev and
real-dev, the fiches of answers-dev.jsonl, and every fiche the project's own corpora (eval/corpora/*/SOURCES.md)
took documents from — so the figures measured on them stay blind.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import defaultdict
from pathlib import Path

import bm25s
import Stemmer

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "eval" / "dev" / "service-public"
SECTION_CHARS = 700  # a passage window in Relais is about this long; the reader reads no more at answer time
MIN_SECTION_CHARS = 40
HEADING_CHARS = 60
GENERIC_WORDS = 6  # a question of at most this many words rarely names its object (« Qui est concerné ? »)
# Sub-headings that say nothing about what the section answers: asides, examples, one-word answers.
NOT_A_TOPIC = {"à savoir", "à noter", "attention", "exemple", "exemples", "oui", "non", "rappel", "cas général",
               "important", "précision", "cas particulier", "cas particuliers", "remarque"}  # fmt: skip


def held_out_fiches() -> set[str]:
    """Fiche numbers (« F1234 ») that some evaluation set points at."""
    numbers: set[str] = set()
    for qrels in (SHARED / "qrels").glob("*.tsv"):
        for line in qrels.read_text(encoding="utf-8").splitlines()[1:]:
            numbers.update(re.findall(r"F\d+", line.split("\t")[1]))
    for line in (SHARED / "answers-dev.jsonl").read_text(encoding="utf-8").splitlines():
        numbers.add(json.loads(line)["fiche"])
    for sources in (REPO / "eval" / "corpora").glob("*/SOURCES.md"):
        numbers.update(re.findall(r"\bF\d+\b", sources.read_text(encoding="utf-8")))
    return numbers


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def is_question(line: str) -> bool:
    line = clean(line)
    return line.endswith("?") and 8 <= len(line) <= 150


def is_heading(line: str, following: str) -> bool:
    """A short line without final punctuation followed by a longer one: a sub-heading (« Coût », « Démarche »)."""
    return (
        line.lower() not in NOT_A_TOPIC
        and 3 <= len(line) <= HEADING_CHARS
        and line[-1] not in ".:;,!?)"
        and line[0].isupper()
        and len(following) > len(line)
    )


def sections(text: str, title: str) -> list[tuple[str, str]]:
    """(what is asked, answer text) of a fiche: its title for the opening text, then every question line and every
    sub-heading for the text that follows it, cut at the next question or heading."""
    lines = [clean(line) for line in text.split("\n") if clean(line)]
    found: list[tuple[str, str]] = []
    starts = [(-1, title)] + [
        (i, line)
        for i, line in enumerate(lines)
        if is_question(line) or (i + 1 < len(lines) and is_heading(line, lines[i + 1]))
    ]
    for start, asked in starts:
        body: list[str] = []
        for j in range(start + 1, len(lines)):
            line = lines[j]
            if is_question(line) or (j + 1 < len(lines) and is_heading(line, lines[j + 1])):
                break
            if sum(map(len, body)) > SECTION_CHARS:
                break
            body.append(line)
        answer = " ".join(body)[:SECTION_CHARS]
        if len(answer) >= MIN_SECTION_CHARS:
            found.append((asked, answer))
    return found


def as_query(question: str, title: str, rng: random.Random) -> str:
    """A question as an agent would type it: generic ones get the fiche's subject in front."""
    if question == title or (len(question.split()) > GENERIC_WORDS and rng.random() < 0.5):
        return question
    return f"{title} : {question[0].lower()}{question[1:]}"


def build(seed: int) -> list[dict]:
    rng = random.Random(seed)
    held_out = held_out_fiches()
    fiches = []
    for line in (SHARED / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        number = doc["_id"].split(":")[-1]
        title = clean(doc["title"])
        if number in held_out or not title:
            continue
        parts = sections(doc["text"], title)
        if len(parts) >= 2:
            fiches.append((doc["_id"], title, parts))
    # One entry per section: (fiche index, question, passage as the reader sees it).
    flat = [(f, q, f"{title}\n{a}") for f, (_, title, parts) in enumerate(fiches) for q, a in parts]
    by_question: dict[str, list[int]] = defaultdict(list)
    for k, (_, q, _) in enumerate(flat):
        by_question[q.lower()].append(k)
    stemmer = Stemmer.Stemmer("french")
    index = bm25s.BM25()
    index.index(bm25s.tokenize([p for _, _, p in flat], stopwords="fr", stemmer=stemmer, show_progress=False))
    groups = []
    for f, question, passage in flat:
        _, title, _ = fiches[f]
        query = as_query(question, title, rng)
        same_fiche = [j for j, (g, q, _) in enumerate(flat) if g == f and q != question]
        negatives = rng.sample(same_fiche, min(2, len(same_fiche)))
        same_kind = [j for j in by_question[question.lower()] if flat[j][0] != f]
        if same_kind:
            negatives.append(rng.choice(same_kind))
        hits, _ = index.retrieve(
            bm25s.tokenize([query], stopwords="fr", stemmer=stemmer, show_progress=False), k=10, show_progress=False
        )
        other = [int(j) for j in hits[0] if flat[int(j)][0] != f and int(j) not in negatives]
        if other:
            negatives.append(other[0])
        groups.append(
            {
                "fiche": fiches[f][0],
                "kind": "title" if question == title else "question" if is_question(question) else "heading",
                "query": query,
                "positive": passage,
                "negatives": [flat[j][2] for j in negatives],
            }
        )
    return groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=20261206)
    args = parser.parse_args()
    groups = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for group in groups:
            out.write(json.dumps(group, ensure_ascii=False) + "\n")
    fiches = len({g["fiche"] for g in groups})
    print(f"{len(groups)} groups from {fiches} fiches, {sum(len(g['negatives']) for g in groups)} negatives")


if __name__ == "__main__":
    main()
