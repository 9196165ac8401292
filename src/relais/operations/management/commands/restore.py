from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.operations.backup import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore an archive of `relais backup` into an empty RELAIS_DATA_DIR (SQLite) or an empty PostgreSQL "
        "database (RELAIS_DATABASE_URL) and its data folder. A non-empty target is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="archive written by `relais backup`")

    def handle(self, *args, **options) -> None:
        try:
            report = restore(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{count} {key.replace('_', ' ')}" for key, count in report.counts.items())
        self.stdout.write(f"restored into {settings.DATA_DIR} ({report.engine}): {counts}")
        for source in report.originals_missing:
            self.stderr.write(f"warning: the original of a document is missing: {source}")
        if report.behind:
            self.stdout.write("the backup comes from an older version of Relais: run `relais migrate` now")
