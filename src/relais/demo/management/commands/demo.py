from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.accounts.charter import publish_charter_file
from relais.demo.formats import FORMATS, build_demo_documents
from relais.demo.town import TOWN_NAME, write_marker
from relais.knowledge.directory import load_desks
from relais.knowledge.ingestion import delete_documents
from relais.knowledge.models import Document

DEMO_COLLECTION = "demo-agents"
PUBLIC_COLLECTION = "demo-public"  # the town website's pages, for the citizens' assistant (/citoyens/)
PUBLISHED_FOLDER = "demo-documents"  # under the data folder: what `relais demo` ingests


class Command(BaseCommand):
    help = (
        f"Load the demo of the fictional commune {TOWN_NAME} from a demo folder: its Markdown sources are "
        f"published in their formats (Markdown, DOCX, ODT, PDF, HTML) into DATA_DIR/{PUBLISHED_FOLDER}, which is "
        "then ingested, with the FAQ, accounts, procedures and charter, and the town website's public pages "
        f"(public/documents and public/faq.yaml) into the collection {PUBLIC_COLLECTION} for the citizens' "
        "assistant; the data folder is then marked "
        "(DATA_DIR/demo-town) so that the demo town's settings apply (docs/settings.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--folder", type=Path, default=Path("demo"), help="demo folder (default ./demo)")
        parser.add_argument(
            "--build-only",
            type=Path,
            metavar="OUT_DIR",
            help="only publish the documents into OUT_DIR and print the files; ingest nothing",
        )
        parser.add_argument(
            "--without-public",
            action="store_true",
            help="leave out the town website's pages (the citizens' assistant then has nothing to answer from)",
        )

    def handle(self, *args, **options) -> None:
        folder: Path = options["folder"]
        sources = folder / "documents"
        if not sources.is_dir():
            raise CommandError(f"{sources} not found: run from the repository root or pass --folder")
        build_only: Path | None = options["build_only"]
        out_dir = build_only or Path(settings.DATA_DIR) / PUBLISHED_FOLDER
        try:
            published = build_demo_documents(sources, out_dir)
        except (OSError, ValueError) as exc:
            raise CommandError(f"cannot publish the demo documents: {exc}") from exc
        if build_only is not None:
            for path in published:
                self.stdout.write(str(path))
            return
        verbosity = options["verbosity"]
        if verbosity:
            counts = Counter(path.suffix.lstrip(".") for path in published)
            detail = ", ".join(f"{counts[name]} {name}" for name in FORMATS if counts[name])
            self.stdout.write(f"Published {len(published)} demo documents into {out_dir} ({detail})")
        self._forget_direct_ingestion(sources)
        streams = {"stdout": self.stdout._out, "stderr": self.stderr._out}
        call_command(
            "ingest",
            str(out_dir),
            collection=DEMO_COLLECTION,
            audience="agents",
            prune=True,
            verbosity=verbosity,
            **streams,
        )
        if (folder / "faq.yaml").is_file():
            call_command(
                "faq", "load", str(folder / "faq.yaml"), collection=DEMO_COLLECTION, verbosity=verbosity, **streams
            )
        if not options["without_public"] and (folder / "public" / "documents").is_dir():
            self._load_public(folder / "public", verbosity, streams)
        if (folder / "users.yaml").is_file():
            call_command("users", "load", str(folder / "users.yaml"), verbosity=verbosity, **streams)
        if (folder / "procedures").is_dir():
            call_command("procedures", "load", str(folder / "procedures"), verbosity=verbosity, **streams)
        if (folder / "diagnostic").is_dir():
            self._load_diagnostic(folder / "diagnostic", verbosity)
        if (folder / "charte.md").is_file():
            charter = publish_charter_file(folder / "charte.md")
            if verbosity:
                self.stdout.write(f"Charter version {charter.version} in force")
        marker = write_marker(Path(settings.DATA_DIR))
        if verbosity:
            self.stdout.write(f"{TOWN_NAME}'s settings apply from now on in this data folder ({marker})")

    def _load_public(self, folder: Path, verbosity: int, streams: dict) -> None:
        """The town website's pages and public FAQ, in a collection of its own whose audience is `public`: only
        the citizens' assistant answers from them, and it answers from nothing else."""
        call_command(
            "ingest",
            str(folder / "documents"),
            collection=PUBLIC_COLLECTION,
            audience="public",
            prune=True,
            verbosity=verbosity,
            **streams,
        )
        if (folder / "faq.yaml").is_file():
            call_command(
                "faq", "load", str(folder / "faq.yaml"), collection=PUBLIC_COLLECTION, verbosity=verbosity, **streams
            )
        if (folder / "desks.yaml").is_file():  # the services' desks, their phones and opening hours (hand-over)
            loaded = load_desks(folder / "desks.yaml", demo=True)
            if verbosity:
                self.stdout.write(f"{loaded} service desks for the citizens' hand-over")

    def _load_diagnostic(self, folder: Path, verbosity: int) -> None:
        """The digital diagnosis of the demo town: 17 services, their tools, practices and tasks (marked demo)."""
        from relais.diagnostic.inventory import load_folder

        loaded = load_folder(folder, demo=True)
        for error in loaded.tasks.errors:
            self.stderr.write(f"{folder / 'taches.csv'}, {error}")
        if verbosity:
            self.stdout.write(
                f"Digital diagnosis « {loaded.campaign.name} »: {loaded.services} services, {loaded.tools} tools; "
                f"{loaded.tasks.summary}"
            )

    def _forget_direct_ingestion(self, sources: Path) -> None:
        """Earlier versions ingested the sources folder itself; those documents would now appear twice."""
        stale = list(
            Document.objects.filter(collection__name=DEMO_COLLECTION, source__startswith=f"{sources.resolve()}/")
        )
        if stale:
            delete_documents(stale)
            self.stdout.write(f"Removed {len(stale)} demo documents ingested straight from {sources}")
