"""Retrieval quality and latency on the shared BEIR dev sets, every mode.

Runs `relais eval retrieval` for each split and mode, and prints a Markdown
table of nDCG@10, Recall@10, MRR@10 and latency, ready for docs/benchmarks.md.
Embeddings are cached by corpus hash in RELAIS_DATA_DIR, so only the first run
pays for them.

    .venv/bin/python bench/retrieval.py [--eval-dir ../shared/eval/dev] [--modes lexical,dense,hybrid]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

SPLITS = [("service-public", "qr-dev"), ("service-public", "real-dev"), ("cnil-faq", "paraphrase-dev")]
ROOT = Path(__file__).resolve().parents[1]


def run(folder: Path, split: str, mode: str, extra: list[str]) -> dict:
    command = [sys.executable, "-m", "relais.cli", "eval", "retrieval", "--beir", str(folder)]
    command += ["--split", split, "--mode", mode, *extra]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    print(out.strip().splitlines()[0], file=sys.stderr)
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval" / "dev")
    parser.add_argument("--modes", default="lexical,dense,hybrid")
    parser.add_argument("extra", nargs="*", help="passed to relais eval retrieval (e.g. --fusion rrf)")
    args = parser.parse_args()
    columns = ["split", "mode", "nDCG@10", "Recall@1", "Recall@10", "Recall@100", "MRR@10", "p50 ms", "p95 ms"]
    print("| " + " | ".join(columns) + " | queries |")
    print("|---" * (len(columns) + 1) + "|")
    for corpus, split in SPLITS:
        for mode in args.modes.split(","):
            r = run(args.eval_dir / corpus, split, mode, args.extra)
            metrics = [f"{r[key]:.3f}" for key in ("ndcg@10", "recall@1", "recall@10", "recall@100", "mrr@10")]
            cells = [f"{corpus} `{split}`", mode, *metrics, str(r["p50_ms"]), str(r["p95_ms"]), str(r["queries"])]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
