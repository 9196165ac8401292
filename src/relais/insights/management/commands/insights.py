from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from relais.insights.baseline import BaselineFileError, aggregate, decode, parse_export, save_baselines


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"expected a date as YYYY-MM-DD, got {raw!r}") from None


class Command(BaseCommand):
    help = (
        "Measuring the assistant: `relais insights import-baseline FILE` (a helpdesk export), "
        "`relais insights gaps` (knowledge gaps)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        baseline = actions.add_parser(
            "import-baseline",
            help="set the services' baselines from a CSV export of the helpdesk (date, category, service, time)",
        )
        baseline.add_argument("file", type=Path)
        baseline.add_argument(
            "--unit", choices=["minutes", "seconds", "hours"], default="minutes", help="unit of a bare number"
        )
        baseline.add_argument("--service", default="", help="service of the lines that have no service column")
        baseline.add_argument("--dry-run", action="store_true", help="print what would be saved, save nothing")
        gaps = actions.add_parser("gaps", help="print the knowledge gaps of a period, most frequent first")
        gaps.add_argument("--from", dest="start", type=_day, help="first day (default: 90 days ago)")
        gaps.add_argument("--to", dest="end", type=_day, help="last day (default: today)")
        gaps.add_argument("--service", default="")
        gaps.add_argument("--limit", type=int, default=20)

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "import-baseline":
            self._import(options)
        else:
            self._gaps(options)

    def _import(self, options) -> None:
        path: Path = options["file"]
        try:
            text = decode(path.read_bytes())
            parsed = parse_export(text, unit=options["unit"], default_service=options["service"])
        except OSError as exc:
            raise CommandError(f"{path}: {exc.strerror or exc}") from exc
        except BaselineFileError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        for error in parsed.errors:
            self.stderr.write(f"ignored: {error}")
        if not parsed.requests:
            raise CommandError(f"{path}: no readable request")
        figures = aggregate(parsed.requests)
        for f in figures:
            self.stdout.write(
                f"{f.service}: {f.requests} requests from {f.start} to {f.end}, "
                f"{f.monthly_requests:.0f}/month, {f.staff_hours_per_month:.1f} staff hours/month"
            )
            for c in f.categories:
                self.stdout.write(f"  {c.category}: {c.requests} requests, {c.mean_minutes:.1f} min on average")
        if options["dry_run"]:
            self.stdout.write("dry run: nothing saved")
            return
        save_baselines(figures)
        self.stdout.write(
            f"{len(figures)} service baseline(s) saved from {len(parsed.requests)} requests "
            f"({len(parsed.errors)} line(s) ignored)"
        )

    def _gaps(self, options) -> None:
        from relais.engine.measure.knowledge_gaps import GAP_STATUS_LABELS
        from relais.insights.gaps import find_gaps
        from relais.insights.measure import Period

        default = Period.default()
        period = Period(options["start"] or default.start, options["end"] or timezone.localdate(), options["service"])
        report = find_gaps(period)
        self.stdout.write(
            f"{report.unsettled} unsettled questions {period.label}: {len(report.gaps)} gaps, "
            f"{report.isolated} isolated"
        )
        for rank, gap in enumerate(report.gaps[: options["limit"]], 1):
            kinds = ", ".join(f"{k} {n}" for k, n in sorted(gap.kinds.items()))
            self.stdout.write(
                f"{rank}. [{gap.service or '-'}] {gap.label} — {gap.volume} ({kinds}) — {GAP_STATUS_LABELS[gap.status]}"
            )
            for example in gap.examples[1:]:
                self.stdout.write(f"     · {example}")
