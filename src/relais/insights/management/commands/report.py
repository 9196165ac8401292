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
        from relais.engine.writers.fonts import FontsMissing
        from relais.insights.report import build, file_stem, render_html, render_pdf

        end = options["end"] or timezone.localdate()
        if end < options["start"]:
            raise CommandError("--to is before --from")
        period = Period(options["start"], end, options["service"])
        data = build(period)
        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        stem = file_stem(period)
        try:
            pdf = render_pdf(data)  # first: no half-written pair of files when the fonts are missing
        except FontsMissing as error:
            raise CommandError(f"cannot write the PDF: {error}") from None
        (out / f"{stem}.html").write_text(render_html(data), encoding="utf-8")
        (out / f"{stem}.pdf").write_bytes(pdf)
        self.stdout.write(str(out / f"{stem}.pdf"))
        self.stdout.write(str(out / f"{stem}.html"))
