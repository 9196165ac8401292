"""Answers on every corpus with a blind question set: one table, one row per corpus and set.

A town installs Relais on its own documents, so every answer rule is judged on several corpora: the demo
(Val-de-Brume, the three sets in demo/) and the public corpora of eval/corpora/ (each a `documents/` folder and
a `questions.yaml` written blind, by someone who read only those documents). Each corpus is loaded once into its
own data folder under --data-root (kept between runs: the embedding cache makes the second run fast), then
`relais eval answers` runs on each of its sets.

    .venv/bin/python bench/corpora.py [--data-root /work/benchdata/corpora] [--only fonction-publique ...]

Prints a Markdown table (correct source first, correct abstentions, wrong abstentions, fact stated, p50) and,
with --misses, every MISS line. Quality figures only: latencies here are those of a batch run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RELAIS = [sys.executable, "-m", "relais.cli"]


@dataclass(frozen=True)
class Corpus:
    name: str
    question_sets: tuple[Path, ...]
    documents: Path | None = None  # None: the demo, loaded by `relais demo`


def corpora() -> list[Corpus]:
    found = [
        Corpus(
            "demo",
            tuple(
                ROOT / "demo" / name
                for name in ("questions.yaml", "questions-holdout.yaml", "questions-holdout-2.yaml")
            ),
        )
    ]
    for folder in sorted((ROOT / "eval" / "corpora").glob("*/")):
        sets = tuple(sorted(folder.glob("questions*.yaml")))
        if (folder / "documents").is_dir() and sets:
            found.append(Corpus(folder.name, sets, folder / "documents"))
    return found


def run(data_dir: Path, *args: str) -> str:
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([*RELAIS, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"relais {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def load(corpus: Corpus, data_dir: Path) -> None:
    run(data_dir, "migrate", "-v0")
    if corpus.documents is None:
        run(data_dir, "demo")
    else:
        # Idempotent: unchanged files are skipped, removed ones pruned.
        run(
            data_dir,
            "ingest",
            str(corpus.documents),
            "--collection",
            corpus.name,
            "--audience",
            "agents",
            "--prune",
            "-v0",
        )


def evaluate(question_set: Path, data_dir: Path) -> tuple[dict, list[str]]:
    out = run(data_dir, "eval", "answers", str(question_set))
    lines = out.strip().splitlines()
    return json.loads(lines[-1]), [line.strip() for line in lines if line.strip().startswith("MISS")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-corpora"))
    parser.add_argument("--only", nargs="*", help="corpus names (default: all)")
    parser.add_argument("--misses", action="store_true", help="print every MISS line")
    options = parser.parse_args()
    print("| corpus | set | questions | source first | correct abstention | wrong abstention | fact stated | p50 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for corpus in corpora():
        if options.only and corpus.name not in options.only:
            continue
        data_dir = options.data_root / corpus.name
        load(corpus, data_dir)
        for question_set in corpus.question_sets:
            figures, misses = evaluate(question_set, data_dir)
            print(
                f"| {corpus.name} | {question_set.name} | {figures['questions']} "
                f"| {figures['correct_source_first']:.3f} | {figures['correct_abstention']:.3f} "
                f"| {figures['wrong_abstention']:.3f} | {figures['fact_stated']:.3f} | {figures['p50_ms']:.0f} |",
                flush=True,
            )
            if options.misses:
                print("\n".join(f"    {line}" for line in misses), flush=True)


if __name__ == "__main__":
    main()
