from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.knowledge.faq import FaqFileError, load_faq
from relais.knowledge.index import get_passage_index
from relais.knowledge.models import Collection


class Command(BaseCommand):
    help = "Manage the curated FAQ. `relais faq load FILE --collection NAME`: create or update entries from YAML."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, parser_class=type(parser))
        load = sub.add_parser("load", help="load FAQ entries from a YAML file", description=self.help)
        load.add_argument("file", type=Path, help="YAML list of {question, phrasings, answer, source, service}")
        load.add_argument("--collection", required=True, help="collection holding the source documents")

    def handle(self, *args, **options) -> None:
        collection = Collection.objects.filter(name=options["collection"]).first()
        if collection is None:
            raise CommandError(f"Collection {options['collection']!r} not found; ingest its documents first")
        try:
            count = load_faq(options["file"], collection, get_passage_index().embedder)
        except FaqFileError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{count} FAQ entries loaded into {collection.name!r}")
