from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from relais.insights.measure import Period


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"expected a date as YYYY-MM-DD, got {raw!r}") from None


class Command(BaseCommand):
    help = "Write the trial report (« période d'évaluation ») as PDF and HTML: `relais report --from D --to D`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", type=_day, required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", type=_day, help="last day, YYYY-MM-DD (default: today)")
        parser.add_argument("--service", default="", help="only this service (default: every service)")
        parser.add_argument("--out", type=Path, default=Path("."), help="folder for the two files (default: .)")

    def handle(self, *args, **options) -> None:
        from relais.insights.report import build, file_stem, render_html, render_pdf
        from relais.insights.report_files import write_report_pair

        end = options["end"] or timezone.localdate()
        if end < options["start"]:
            raise CommandError("--to is before --from")
        period = Period(options["start"], end, options["service"])
        data = build(period)
        written = write_report_pair(
            options["out"], file_stem(period), lambda: render_pdf(data), lambda: render_html(data)
        )
        for path in written:
            self.stdout.write(str(path))
