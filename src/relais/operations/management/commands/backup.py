from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.operations.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write one archive (mode 0600: it holds the secret key) with the database — a consistent copy taken while "
        "Relais keeps running — the uploaded originals and the secret key. Restore it with `relais restore FILE`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="archive to write (.tar.gz), or a folder to name one in")

    def handle(self, *args, **options) -> None:
        try:
            path, manifest = backup(options["file"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        counts = ", ".join(f"{count} {key.replace('_', ' ')}" for key, count in manifest["counts"].items())
        self.stdout.write(f"backup written to {path} ({manifest['engine']}): {counts}")
