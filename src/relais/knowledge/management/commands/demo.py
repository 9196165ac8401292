from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

DEMO_COLLECTION = "demo-agents"


class Command(BaseCommand):
    help = "Load the demo knowledge (documents and FAQ of the fictional commune Val-de-Brume) from a demo folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", type=Path, default=Path("demo"), help="demo folder (default ./demo)")

    def handle(self, *args, **options) -> None:
        folder: Path = options["folder"]
        documents = folder / "documents"
        if not documents.is_dir():
            raise CommandError(f"{documents} not found: run from the repository root or pass --folder")
        verbosity = options["verbosity"]
        call_command(
            "ingest", str(documents), collection=DEMO_COLLECTION, audience="agents", prune=True, verbosity=verbosity
        )
        if (folder / "faq.yaml").is_file():
            call_command("faq", "load", str(folder / "faq.yaml"), collection=DEMO_COLLECTION, verbosity=verbosity)
