"""Follow-ups that bring a new point (« et pour les contractuels ? »): is the answer about the new point?

eval/followups/answers.yaml holds two-question conversations written blind over the documents of the five corpora:
the second question continues the first and asks about something new, which the documents answer (`expected`, a
file name, and `fact`, fragments of which a right answer states one) or do not (`expected: none`). Each
conversation is asked as an agent would (the citizens' side for the `public` corpus), in the corpus's data folder
under --data-root (loaded by bench/corpora.py), inside a transaction rolled back at the end.

    .venv/bin/python bench/follow_up_answers.py [--data-root /tmp/relais-corpora] [--misses]

Per corpus: of the answerable follow-ups, the fact stated in the answer, the expected page cited first, the wrong
abstentions and the curated (FAQ) answers; of the others, the right abstentions. Quality figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SET = ROOT / "eval" / "followups" / "answers.yaml"
FOLDERS = {"public": "demo"}  # the town website's pages live in the demo's data folder


def conversations(corpus: str | None = None) -> list[dict]:
    import yaml

    items = yaml.safe_load(SET.read_text(encoding="utf-8"))
    return [item for item in items if corpus is None or item["corpus"] == corpus]


def run_corpus(corpus: str) -> list[dict]:
    """Inside Django (RELAIS_DATA_DIR set): every conversation of the corpus, one result each."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    import django

    django.setup()
    from django.db import transaction

    from relais.cli import prepare_database

    prepare_database("bench")  # a data folder loaded by an older version gets the new tables

    from relais.assistant.evaluation import states_fact
    from relais.assistant.models import Conversation
    from relais.assistant.pipeline import ask
    from relais.knowledge.models import Document

    audiences = frozenset({"public"}) if corpus == "public" else frozenset({"agents"})
    results = []
    with transaction.atomic():
        stems = {d.pk: Path(d.source).stem for d in Document.objects.all()}
        for item in conversations(corpus):
            conversation = Conversation.objects.create()
            ask(item["first"], conversation=conversation, audiences=audiences)
            answer = ask(item["second"], conversation=conversation, audiences=audiences).answer
            cited = [stems.get(c.document_id, "") for c in answer.citations]
            expected = str(item.get("expected") or "none")
            results.append(
                {
                    "second": item["second"],
                    "answerable": expected != "none",
                    "abstained": answer.mode == "none",
                    "curated": answer.mode == "faq",
                    "right_page": bool(cited) and cited[0] == Path(expected).stem,
                    "fact": expected != "none" and states_fact(answer.text, item.get("fact") or []),
                    "answer": answer.text[:200],
                    "cited": cited[:2],
                }
            )
        transaction.set_rollback(True)
    return results


def figures(results: list[dict]) -> dict[str, float]:
    answerable = [r for r in results if r["answerable"]]
    others = [r for r in results if not r["answerable"]]

    def share(rows: list[dict], key: str) -> float:
        return sum(r[key] for r in rows) / max(len(rows), 1)

    return {
        "answerable": len(answerable),
        "fact": share(answerable, "fact"),
        "right_page": share(answerable, "right_page"),
        "wrong_abstention": share(answerable, "abstained"),
        "curated": share(answerable, "curated"),
        "not_covered": len(others),
        "right_abstention": share(others, "abstained"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-root", type=Path, default=Path("/tmp/relais-corpora"))
    parser.add_argument("--misses", action="store_true", help="print every follow-up not settled right")
    parser.add_argument("--corpus", help=argparse.SUPPRESS)  # the child process's job
    options = parser.parse_args()
    if options.corpus:
        print(json.dumps(run_corpus(options.corpus), ensure_ascii=False))
        return
    columns = (
        "answerable | fact stated | right page first | wrong abstention | curated | not covered | right abstention"
    )
    print(f"| corpus | {columns} |")
    print("|---|---|---|---|---|---|---|---|")
    everything = []
    for corpus in dict.fromkeys(item["corpus"] for item in conversations()):
        env = {**os.environ, "RELAIS_DATA_DIR": str(options.data_root / FOLDERS.get(corpus, corpus))}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        command = [sys.executable, __file__, "--corpus", corpus]
        done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
        if done.returncode != 0:
            raise SystemExit(f"{corpus}: {done.stderr[-3000:]}")
        results = json.loads(done.stdout.strip().splitlines()[-1])
        everything += results
        print(_row(corpus, figures(results)), flush=True)
        if options.misses:
            for r in results:
                settled = r["fact"] if r["answerable"] else r["abstained"]
                if not settled:
                    print(f"  MISS {r['second']!r} → {r['cited']} {r['answer']!r}")
    print(_row("all", figures(everything)))


def _row(name: str, f: dict[str, float]) -> str:
    return (
        f"| {name} | {f['answerable']} | {f['fact']:.3f} | {f['right_page']:.3f} | {f['wrong_abstention']:.3f} | "
        f"{f['curated']:.3f} | {f['not_covered']} | {f['right_abstention']:.3f} |"
    )


if __name__ == "__main__":
    main()
