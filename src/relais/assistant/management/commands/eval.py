import json
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from relais.engine.search.beir import build_index, corpus_hash, evaluate, load_beir
from relais.engine.search.embeddings import EmbeddingCache, get_embedder
from relais.engine.search.hybrid_index import MODES, HybridIndex


class Command(BaseCommand):
    help = (
        "Evaluate Relais. `relais eval retrieval --beir DIR --split NAME`: retrieval quality and latency; "
        "`relais eval answers FILE`: answers on a question set."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        retrieval = sub.add_parser(
            "retrieval",
            help="nDCG@10, Recall@1/10/100, MRR@10 and latency on a BEIR folder",
            description=(
                "Index a BEIR corpus in a throwaway store (embeddings cached by corpus hash under the data "
                "folder, so a second run reuses them), run the split's queries, print the metrics; the last "
                "line is one JSON object."
            ),
        )
        retrieval.add_argument("--beir", type=Path, required=True, metavar="DIR", help="BEIR folder")
        retrieval.add_argument("--split", required=True, help="qrels split name, e.g. qr-dev")
        retrieval.add_argument("--mode", choices=MODES, default="hybrid", help="ranking (default hybrid)")
        retrieval.add_argument("--fusion", choices=["convex", "rrf"], help="override RELAIS_SEARCH_FUSION")
        retrieval.add_argument("--alpha", type=float, help="override RELAIS_SEARCH_ALPHA")
        answers = sub.add_parser(
            "answers",
            help="source cited first, abstentions, latency on a question set",
            description=(
                "Run a YAML question set ({question, expected: document file name or none, optional fact: "
                "fragments a right answer contains}) through the answer pipeline, without logging; print the "
                "rates, the failures, then one JSON object."
            ),
        )
        answers.add_argument("file", type=Path, help="question set, e.g. demo/questions.yaml")
        answers.add_argument(
            "--public", action="store_true", help="ask as a visitor of the citizens' assistant (public collections)"
        )

    def handle(self, *args, **options) -> None:
        if options["what"] == "answers":
            self.eval_answers(options["file"], public=options["public"])
        else:
            self.eval_retrieval(options)

    def eval_answers(self, path: Path, public: bool = False) -> None:
        from relais.assistant.evaluation import evaluate_answers, read_facts, read_questions

        try:
            questions, facts = read_questions(path), read_facts(path)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        report = evaluate_answers(questions, facts, frozenset({"public" if public else "agents"}))
        for failure in report.failures:
            self.stdout.write(f"  MISS {failure}")
        result = report.as_dict()
        for key, value in result.items():
            self.stdout.write(f"{key:>22}: {value}")
        self.stdout.write(json.dumps(result))

    def eval_retrieval(self, options: dict) -> None:
        config = settings.RELAIS
        try:
            beir = load_beir(options["beir"], options["split"])
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        embedder = get_embedder(config.embedder, max_passage_chars=config.embed_max_chars)
        digest = corpus_hash(beir.corpus)
        cache = EmbeddingCache(Path(settings.DATA_DIR) / "eval-cache" / f"{digest}.sqlite3")
        index = HybridIndex(
            embedder,
            fusion=options["fusion"] or config.search_fusion,
            alpha=options["alpha"] or config.search_alpha,
        )
        started = time.perf_counter()
        with tqdm(unit="passage", disable=options["verbosity"] == 0, file=self.stderr._out) as bar:
            index, passages = build_index(beir.corpus, embedder, cache, index=index, progress=bar.update)
        index_seconds = time.perf_counter() - started
        self.stdout.write(
            f"corpus {options['beir']} ({digest}): {len(beir.corpus)} documents, {passages} passages "
            f"({cache.computed} texts embedded, passages and titles; the rest from cache), "
            f"indexed in {index_seconds:.1f} s"
        )
        # One untimed query loads the model and warms caches: latency is measured warm.
        index.search_documents("bonjour", k=1, mode=options["mode"])
        report = evaluate(beir, index, mode=options["mode"])
        result = {
            "split": options["split"],
            "mode": options["mode"],
            "fusion": index.fusion,
            "alpha": index.alpha,
            **report.as_dict(),
        }
        for key, value in report.as_dict().items():
            self.stdout.write(f"{key:>11}: {value}")
        self.stdout.write(json.dumps(result))
