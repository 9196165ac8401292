"""`relais warm`: embed in advance the sentences the answers may quote (knowledge/sentences.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.knowledge.index import get_passage_index
from relais.knowledge.sentences import missing_texts, warm


class Command(BaseCommand):
    help = (
        "Embed in advance the sentences the answers may quote, so that no answer waits for them "
        "(the worker does it in the background, a batch per sweep)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, help="embed at most this many sentences (default: all)")

    def handle(self, *args, **options) -> None:
        limit = options["limit"]
        if limit is not None and limit < 1:
            raise CommandError("--limit must be at least 1")
        embedder = get_passage_index().embedder
        done = warm(embedder, limit)
        left = len(missing_texts(embedder))
        self.stdout.write(f"{done} sentences embedded; {left} left to embed.")
