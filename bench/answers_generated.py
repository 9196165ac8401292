"""Generated answers on the demo question set: sources, abstentions, groundedness violations caught, latency.

Runs every question of demo/questions.yaml through the whole pipeline with the configured LLM backend
(RELAIS_GENERATOR, or --generator) and reports, as the figures of `relais eval answers` do:

- correct source cited first (answerable questions) and correct / wrong abstentions, for the answer *shown*;
- the generation outcomes: grounded (shown), ungrounded (caught by the check, extractive shown), abstained,
  timeout, unavailable, error; and the violations caught by kind (unsupported facts = invented facts);
- time to first token and total generation time (p50/p95), and the end-to-end latency;
- the energy and carbon estimate per generated answer (EcoLogits-style, relais.engine.answers.energy);
- planted facts: in every extractive answer, one figure is changed (a digit of a phone number, an amount, a
  duration…) and the check is run on it against its cited passages: how many invented facts it catches.

    export RELAIS_DATA_DIR=/tmp/relais-answers && .venv/bin/relais demo
    .venv/bin/python bench/answers_generated.py [demo/questions.yaml] [--generator llamacpp] [--limit N] [--json OUT]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import re
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def plant(text: str, rng: random.Random) -> str | None:
    """``text`` with one digit of one checkable fact changed (phone, amount, date, duration, number…), or None."""
    from relais.engine.answers.grounding import extract_facts

    spans = []
    for fact in extract_facts(re.sub(r"\[\d+(?:,\s*\d+)*\]", " ", text)):
        start = text.find(fact.raw)
        digits = [start + i for i, ch in enumerate(fact.raw) if ch.isdigit()] if start >= 0 else []
        spans.extend(digits)
    if not spans:
        return None
    position = rng.choice(spans)
    replacement = str((int(text[position]) + rng.randint(1, 9)) % 10)
    return text[:position] + replacement + text[position + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="?", type=Path, default=ROOT / "demo" / "questions.yaml")
    parser.add_argument("--generator", choices=["extractive", "openai", "llamacpp"], help="overrides RELAIS_GENERATOR")
    parser.add_argument("--limit", type=int, default=0, help="only the first N questions")
    parser.add_argument("--json", type=Path, help="also write the report and every outcome to this file")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relais.settings")
    import django

    django.setup()
    from django.conf import settings

    from relais.assistant.evaluation import read_questions
    from relais.assistant.generation import current_generator
    from relais.assistant.models import Exchange
    from relais.assistant.pipeline import ask
    from relais.engine.answers.grounding import check_grounding
    from relais.engine.search.beir import percentile
    from relais.knowledge.models import Document

    if args.generator:
        settings.RELAIS = dataclasses.replace(settings.RELAIS, generator=args.generator)
    generator = current_generator()
    questions = read_questions(args.questions)[: args.limit or None]
    if not Document.objects.exists():
        raise SystemExit("no documents: run `relais demo` with the same RELAIS_DATA_DIR first")

    rng = random.Random(0)
    counts: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    violations: Counter[str] = Counter()
    first_token, generation_total, latency, energy, carbon = [], [], [], [], []
    rows = []
    planted = caught = 0
    started = time.perf_counter()
    for number, (question, expected) in enumerate(questions, 1):
        result = ask(question)
        exchange = Exchange.objects.get(pk=result.exchange.pk)
        latency.append(result.latency_ms)
        mode = result.answer.mode
        status = exchange.generation_status or ("faq" if mode == "faq" else "none" if mode == "none" else "")
        statuses[status or "extractive"] += 1
        for violation in exchange.grounding_violations:
            violations[violation["kind"]] += 1
        details = exchange.generation
        if details.get("first_token_ms") is not None:
            first_token.append(details["first_token_ms"])
        if exchange.generation_status:
            generation_total.append(details["total_ms"])
        if details.get("impact"):
            energy.append(details["impact"]["energy_wh"])
            carbon.append(details["impact"]["gco2e"])
        cited = (
            Document.objects.filter(pk=result.answer.citations[0].document_id).first()
            if result.answer.citations
            else None
        )
        source_ok = bool(cited and Path(cited.source).stem == Path(expected).stem)
        if expected == "none":
            counts["unanswerable"] += 1
            counts["correct_abstention"] += mode == "none"
        else:
            counts["answerable"] += 1
            counts["wrong_abstention"] += mode == "none"
            counts["correct_source"] += source_ok
            counts["generated_correct_source"] += mode == "generated" and source_ok
        # Planted invented fact: one digit of the extractive answer changed, checked against its cited passages.
        planted_row = None
        if mode == "extractive":
            changed = plant(result.answer.text, rng)
            if changed is not None:
                planted += 1
                found = not check_grounding(changed, [c.text for c in result.answer.citations]).grounded
                caught += found
                planted_row = {"text": changed, "caught": found}
        rows.append(
            {
                "question": question,
                "expected": expected,
                "mode": mode,
                "status": exchange.generation_status,
                "source_ok": source_ok,
                "violations": [
                    v["kind"] + (f":{v['fact']}" if v["fact"] else "") for v in exchange.grounding_violations
                ],
                "draft": details.get("draft", ""),
                "first_token_ms": details.get("first_token_ms"),
                "total_ms": details.get("total_ms"),
                "planted": planted_row,
            }
        )
        print(
            f"{number:3d}/{len(questions)} {mode:10s} {exchange.generation_status or '-':11s} {question[:70]}",
            flush=True,
        )

    def share(part: int, whole: int) -> float:
        return round(part / whole, 4) if whole else 0.0

    attempted = sum(n for s, n in statuses.items() if s not in {"faq", "none", "extractive"})
    report = {
        "generator": generator.name if generator else "extractive",
        "model": generator.model if generator else "",
        "questions": len(questions),
        "correct_source_first": share(counts["correct_source"], counts["answerable"]),
        "correct_abstention": share(counts["correct_abstention"], counts["unanswerable"]),
        "wrong_abstention": share(counts["wrong_abstention"], counts["answerable"]),
        "generation_attempted": attempted,
        "outcomes": dict(statuses.most_common()),
        "generated_shown": statuses["grounded"],
        "generated_correct_source": counts["generated_correct_source"],
        "violations_caught": dict(violations.most_common()),
        "answers_with_invented_facts_caught": sum(
            1 for row in rows if any(v.startswith("unsupported_fact") for v in row["violations"])
        ),
        "ttft_p50_ms": round(percentile(first_token, 50), 1),
        "ttft_p95_ms": round(percentile(first_token, 95), 1),
        "generation_p50_ms": round(percentile(generation_total, 50), 1),
        "generation_p95_ms": round(percentile(generation_total, 95), 1),
        "latency_p50_ms": round(percentile(latency, 50), 1),
        "latency_p95_ms": round(percentile(latency, 95), 1),
        "energy_wh_per_generated_answer": round(sum(energy) / len(energy), 5) if energy else None,
        "gco2e_per_generated_answer": round(sum(carbon) / len(carbon), 6) if carbon else None,
        "planted_facts": planted,
        "planted_facts_caught": caught,
        "elapsed_s": round(time.perf_counter() - started, 1),
    }
    close = getattr(generator, "close", None)
    if close is not None:
        close()
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"report": report, "rows": rows}, ensure_ascii=False, indent=1), "utf-8")
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
