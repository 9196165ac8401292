"""Questions in English, Spanish, Portuguese and Arabic on the citizens' assistant: do they find the French pages?

Reads a translated set (default demo/public/questions-translated.yaml: ``{question, lang, source_question,
expected}``). Each question, and beside it the French question it was translated from, is asked of the public
pipeline as `relais eval answers --public` asks it (``pipeline.ask``, public collections, not logged), and scored:

- **page first**: the page the answer quotes first is the expected one (`relais eval answers`' « correct source
  first »; an abstention quotes nothing);
- **page in top 5**: the expected page is among the first five of the pipeline's page ranking
  (``extractive.rank_documents`` over the same retrieval and FAQ signals the answer is chosen from);
- **abstained**: the answer is « Je n'ai pas trouvé de réponse fiable… ».

It also prints the detector's accuracy per language on the set (relais.engine.language.detect) and how many of
the French questions of demo/public/questions.yaml it reads as French (all of them, or the rule is wrong). Last,
one JSON line with every figure.

    .venv/bin/python bench/public_languages.py [--set FILE] [--french FILE] [--data-dir DIR]

Without --data-dir the demo is loaded into a fresh temporary data folder (bench/corpora.py's ``load``: `relais
migrate` and `relais demo`, with bench/load.py's embedding cache reused: about 30 s), removed at the end. A
--data-dir that already holds the demo (`relais demo` run there) is used as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora
from load import CACHE_NAME, CACHE_SOURCES
from relais.engine.language import LANGUAGES, detect

TOP = 5
# Counted per language, for the translations then for their French originals.
FIGURES = ("first", "top", "abstained", "fr_first", "fr_top", "fr_abstained")
DEFAULT_SET = corpora.ROOT / "demo" / "public" / "questions-translated.yaml"
DEFAULT_FRENCH = corpora.ROOT / "demo" / "public" / "questions.yaml"


def read_set(path: Path) -> list[dict]:
    """The translated items; each needs its question, language, French original and expected page."""
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    wanted = ("question", "lang", "source_question", "expected")
    if not isinstance(items, list) or not all(isinstance(i, dict) and all(i.get(k) for k in wanted) for i in items):
        raise SystemExit(f"{path}: expected a list of {{{', '.join(wanted)}}} entries")
    return items


def detection(items: list[dict]) -> dict[str, dict]:
    """Per language of the set: questions, detected right, and what the wrong ones were read as."""
    figures: dict[str, dict] = {}
    for item in items:
        language, got = str(item["lang"]), detect(str(item["question"]))
        row = figures.setdefault(language, {"questions": 0, "detected": 0, "misread": []})
        row["questions"] += 1
        row["detected"] += got == language
        if got != language:
            row["misread"].append({"question": item["question"], "read_as": got})
    return figures


def french_misread(questions: list[str]) -> list[tuple[str, str]]:
    """The French questions the detector does not read as French, with what it read."""
    return [(q, got) for q in questions if (got := detect(q)) != "fr"]


def prepared_data(data_dir: Path | None, keep: list[tempfile.TemporaryDirectory]) -> Path:
    """A data folder holding the demo: the one given if it has a database, else loaded (a temporary one)."""
    if data_dir is None:
        folder = tempfile.TemporaryDirectory(prefix="relais-languages-")
        keep.append(folder)
        data_dir = Path(folder.name)
    if (data_dir / "relais.sqlite3").is_file():
        return data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    cache = next((path for path in CACHE_SOURCES if path.is_file()), None)
    if cache is not None:  # as bench/load.py: the demo's passages are not embedded again
        shutil.copy2(cache, data_dir / CACHE_NAME)
    print(f"loading the demo into {data_dir}…", file=sys.stderr, flush=True)
    corpora.load(corpora.Corpus("demo", ()), data_dir)
    return data_dir


def retrieval(items: list[dict]) -> dict[str, dict]:
    """Per language: page first, page in top 5 and abstentions, for the translations and their French originals
    (Django set up on a data folder with the demo)."""
    from relais.assistant.pipeline import ask, gather, guard
    from relais.engine.answers.decision import SHIPPED_MODEL
    from relais.engine.answers.extractive import rank_documents
    from relais.knowledge.models import Document

    public = frozenset({"public"})
    stems = {d.pk: Path(d.source).stem for d in Document.objects.filter(collection__audience="public")}
    if not stems:
        raise SystemExit("no public document: run `relais demo` in the data folder first")

    def score(question: str, expected: str) -> tuple[bool, bool, bool]:
        answer = ask(question, log=False, audiences=public).answer
        first = stems.get(answer.citations[0].document_id) if answer.citations else None
        query = guard(" ".join(question.split())).text  # what ask() searches with (personal data masked)
        signals = gather(query, public)
        ranked = rank_documents(
            signals.evidence(),
            signals.faq_scores(),
            SHIPPED_MODEL.faq_weight,
            question=query,
            coverage_weight=SHIPPED_MODEL.coverage_weight,
        )
        top = [stems.get(c.document_id) for c in ranked[:TOP]]
        return first == expected, expected in top, answer.mode == "none"

    figures: dict[str, dict] = {}
    for item in items:
        language, expected = str(item["lang"]), Path(str(item["expected"])).stem
        row = figures.setdefault(language, {"questions": 0, **dict.fromkeys(FIGURES, 0), "misses": []})
        row["questions"] += 1
        for prefix, question in (("", str(item["question"])), ("fr_", str(item["source_question"]))):
            first, in_top, abstained = score(question, expected)
            row[f"{prefix}first"] += first
            row[f"{prefix}top"] += in_top
            row[f"{prefix}abstained"] += abstained
            if not first:
                which = "French original, " if prefix else ""
                row["misses"].append(f"{which}{'abstained' if abstained else 'other page first'}: {question}")
    return figures


def _share(part: int, whole: int) -> str:
    return f"{part}/{whole}" if whole else "—"


def table(found: dict[str, dict], detected: dict[str, dict]) -> str:
    """One Markdown row per language, then all languages together."""
    lines = [
        "| language | questions | detected | page first | page in top 5 | abstained "
        "| French original: page first | in top 5 | abstained |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    order = [language for language in LANGUAGES if language in found] + sorted(set(found) - set(LANGUAGES))
    rows = [(language, found[language], detected.get(language, {}).get("detected", 0)) for language in order]
    everything = {key: sum(row[key] for _, row, _ in rows) for key in ("questions", *FIGURES)}
    rows.append(("**all**", everything, sum(hit for *_, hit in rows)))
    for language, row, hit in rows:
        n = row["questions"]
        cells = " | ".join(_share(row[key], n) for key in FIGURES)
        lines.append(f"| {language} | {n} | {_share(hit, n)} | {cells} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="translated question set")
    parser.add_argument("--french", type=Path, default=DEFAULT_FRENCH, help="French questions that must read French")
    parser.add_argument("--data-dir", type=Path, help="a data folder holding the demo (default: a fresh one)")
    parser.add_argument("--detection-only", action="store_true", help="only the detector: no data folder, no search")
    args = parser.parse_args(argv)
    items = read_set(args.set)
    detected = detection(items)
    french = [str(i["question"]) for i in yaml.safe_load(args.french.read_text(encoding="utf-8")) or []]
    originals = [str(i["source_question"]) for i in items]
    misread = french_misread(french) + french_misread(originals)
    result: dict = {
        "detection": detected,
        "french_read_as_french": f"{len(french) - len(french_misread(french))}/{len(french)}",
        "originals_read_as_french": f"{len(originals) - len(french_misread(originals))}/{len(originals)}",
    }
    if not args.detection_only:
        keep: list[tempfile.TemporaryDirectory] = []
        os.environ["RELAIS_DATA_DIR"] = str(prepared_data(args.data_dir, keep))
        os.environ["DJANGO_SETTINGS_MODULE"] = "relais.settings"
        import django

        django.setup()
        result["retrieval"] = retrieval(items)
        print(table(result["retrieval"], detected))
        for language, row in result["retrieval"].items():
            print("\n".join(f"- [{language}] {miss}" for miss in row["misses"]))
        for folder in keep:
            folder.cleanup()
    for language, row in detected.items():
        print(f"detected {language}: {row['detected']}/{row['questions']}", *(m["read_as"] for m in row["misread"]))
    print(f"French questions of {args.french.name} read as French: {result['french_read_as_french']}")
    print(f"French originals of the set read as French: {result['originals_read_as_french']}")
    print("\n".join(f"  not French? [{got}] {q}" for q, got in misread))
    print(json.dumps(result, ensure_ascii=False))
    return 0 if not misread else 1


if __name__ == "__main__":
    sys.exit(main())
