import json

from django.core.management.base import BaseCommand, CommandParser

from relais.audit.log import record
from relais.operations.retention import purge


class Command(BaseCommand):
    help = "Delete personal content older than RELAIS_RETENTION_DAYS, keeping anonymised daily counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="retention in days (default: RELAIS_RETENTION_DAYS)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be purged, change nothing")

    def handle(self, *args, **options) -> None:
        report = purge(days=options["days"], dry_run=options["dry_run"])
        if not options["dry_run"]:
            record("purge (conservation)", target="échanges et demandes", detail=report.as_dict())
        verb = "would purge" if options["dry_run"] else "purged"
        self.stdout.write(
            f"{verb}: {report.exchanges} exchange(s), {report.conversations} conversation(s), "
            f"{report.tickets} ticket text(s), {report.procedure_runs} procedure run(s), "
            f"{report.visitor_requests} visitor request(s) "
            f"older than {report.cutoff:%Y-%m-%d}"
        )
        self.stdout.write(json.dumps(report.as_dict()))
