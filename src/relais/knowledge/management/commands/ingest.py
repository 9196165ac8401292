from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from relais.audit.log import record
from relais.knowledge.ingestion import Ingestor, expand_paths, get_or_create_collection
from relais.knowledge.models import Audience


class Command(BaseCommand):
    help = (
        "Ingest documents (.md .txt .html .pdf .docx .odt, or folders of them) into a collection. "
        "Unchanged files are skipped; changed ones replace their passages atomically."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders to ingest")
        parser.add_argument("--collection", required=True, help="collection name (created if missing)")
        parser.add_argument("--audience", choices=Audience.values, help="who may read it (default: agents)")
        parser.add_argument("--service", help="owning service, e.g. RH or DSI")
        parser.add_argument(
            "--prune", action="store_true", help="delete documents whose file is gone from the given folders"
        )

    def handle(self, *args, **options) -> None:
        paths: list[Path] = options["paths"]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise CommandError(f"Not found: {', '.join(missing)}")
        try:
            collection = get_or_create_collection(options["collection"], options["audience"], options["service"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        total = len(expand_paths(paths))
        with tqdm(total=total, unit="fichier", disable=options["verbosity"] == 0, file=self.stderr._out) as bar:
            summary = Ingestor(collection).ingest(paths, prune=options["prune"], progress=lambda _p: bar.update())
        counts = summary.counts()
        if counts["added"] or counts["updated"] or counts["removed"]:
            record("ingestion", target=collection, detail={**counts, "paths": [str(p) for p in paths]})
        self.stdout.write(
            f"Collection {collection.name!r}: {counts['added']} added, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['removed']} removed, {counts['failed']} failed"
        )
        for failure in summary.failed:
            self.stdout.write(f"  FAILED {failure.source} [{failure.code}]: {failure.reason}")
        for source, notice in summary.notices:
            self.stdout.write(f"  NOTICE {source}: {notice}")
