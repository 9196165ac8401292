from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.engine.search.hybrid_index import MODES, SearchFilters
from relais.knowledge.index import get_passage_index
from relais.knowledge.models import Audience


class Command(BaseCommand):
    help = "Search the knowledge base: ranked passages with their document, section and score."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("query", help="the question, in French")
        parser.add_argument("-k", type=int, default=5, help="number of passages (default 5)")
        parser.add_argument("--mode", choices=MODES, default="hybrid", help="ranking (default hybrid)")
        parser.add_argument("--collection", action="append", help="restrict to this collection (repeatable)")
        parser.add_argument("--audience", choices=Audience.values, help="restrict to this audience")

    def handle(self, *args, **options) -> None:
        if options["k"] < 1:
            raise CommandError("-k must be at least 1")
        filters = SearchFilters(
            collections=frozenset(options["collection"]) if options["collection"] else None,
            audiences=frozenset([options["audience"]]) if options["audience"] else None,
        )
        results = get_passage_index().search(options["query"], filters=filters, k=options["k"], mode=options["mode"])
        if not results:
            self.stdout.write("Aucun passage trouvé.")
            return
        for rank, result in enumerate(results, 1):
            doc = result.document
            section = result.passage.section_label or "—"
            ranks = f"lexical #{result.lexical_rank or '-'}, dense #{result.dense_rank or '-'}"
            self.stdout.write(f"{rank}. [{result.score:.3f}] {doc.title} › {section}  ({ranks})")
            self.stdout.write(f"   {doc.collection.name} · version {doc.version} · {doc.source}")
            excerpt = " ".join(result.passage.text.split())
            self.stdout.write(f"   {excerpt[:240]}{'…' if len(excerpt) > 240 else ''}")
