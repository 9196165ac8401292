"""Full ingestion of a BEIR corpus through `relais ingest`, every passage embedded, timed.

Exports each corpus document as a Markdown file (title as heading, one
paragraph per line), then runs the real `relais ingest` into a fresh data
folder (so the embedding cache starts empty) and reports wall time, passages
and passages per second.

    .venv/bin/python bench/ingest.py [--corpus ../shared/eval/dev/service-public] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def export(corpus: Path, folder: Path, limit: int | None) -> int:
    count = 0
    with (corpus / "corpus.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and count >= limit:
                break
            doc = json.loads(line)
            body = "\n\n".join(p.strip() for p in doc["text"].split("\n") if p.strip())
            title = doc["title"].strip() or doc["_id"]
            name = doc["_id"].replace(":", "_").replace("/", "_")
            (folder / f"{name}.md").write_text(f"# {title}\n\n{body}\n", encoding="utf-8")
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "eval" / "dev" / "service-public")
    parser.add_argument("--limit", type=int, help="only the first N documents")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="relais-bench-") as tmp:
        docs, data = Path(tmp) / "docs", Path(tmp) / "data"
        docs.mkdir()
        files = export(args.corpus, docs, args.limit)
        env = {**os.environ, "RELAIS_DATA_DIR": str(data)}
        command = [sys.executable, "-m", "relais.cli", "ingest", str(docs), "--collection", "bench"]
        started = time.perf_counter()
        result = subprocess.run([*command, "--verbosity", "0"], env=env, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
        with sqlite3.connect(data / "relais.sqlite3") as db:
            passages = db.execute("SELECT COUNT(*) FROM knowledge_passage").fetchone()[0]
    print(result.stdout.strip().splitlines()[0])
    print(f"files: {files}, passages: {passages}, wall time: {seconds:.0f} s ({seconds / 60:.1f} min)")
    print(f"passages per second: {passages / seconds:.1f}, cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
