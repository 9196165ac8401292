import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.diagnostic.importing import campaign_for, import_file, task_rows
from relais.diagnostic.models import Campaign, Task
from relais.diagnostic.opportunities import opportunity_rows
from relais.diagnostic.sheet import SheetError, write_csv, write_ods


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CommandError(f"date attendue au format AAAA-MM-JJ, reçu {raw!r}") from None


class Command(BaseCommand):
    help = (
        "The digital diagnosis: `relais diagnostic import FILE` (CSV or ODS, one row per task), "
        "`template`, `export`, `opportunities`, `campaign`, `report --out FOLDER`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="import a task sheet (CSV `;` or `,`, UTF-8, or ODS)")
        imp.add_argument("file", type=Path)
        imp.add_argument("--campaign", default="", help="campaign name (default: the current campaign)")
        imp.add_argument("--dry-run", action="store_true", help="check and count, save nothing")
        for name, text in [("template", "write an empty task sheet"), ("export", "write every task of a campaign")]:
            sub = actions.add_parser(name, help=text)
            sub.add_argument("--format", choices=["csv", "ods"], default="csv")
            sub.add_argument("--out", type=Path, help="file to write (default: standard output for CSV)")
            if name == "export":
                sub.add_argument("--campaign", default="")
        opp = actions.add_parser("opportunities", help="tasks by AI-opportunity score, best first")
        opp.add_argument("--json", action="store_true", help="one JSON list")
        opp.add_argument("--service", default="", help="only this service")
        opp.add_argument("--limit", type=int, default=0, help="at most this many tasks (0: all)")
        opp.add_argument("--campaign", default="")
        rep = actions.add_parser("report", help="the « Diagnostic numérique » report as HTML and PDF")
        rep.add_argument("--out", type=Path, default=Path("."), help="folder for the two files (default: .)")
        rep.add_argument("--campaign", default="")
        camp = actions.add_parser("campaign", help="open a campaign or change its deadline; list the campaigns")
        camp.add_argument("name", nargs="?", default="")
        camp.add_argument("--deadline", type=_day)

    def handle(self, *args, **options) -> None:
        getattr(self, "_" + options["action"])(options)

    def _find_campaign(self, options, *, create: bool = False) -> Campaign:
        name = options.get("campaign") or ""
        if create:
            return campaign_for(name or None)
        campaign = Campaign.objects.filter(name=name).first() if name else Campaign.objects.current()
        if campaign is None:
            raise CommandError(f"aucune campagne{f' nommée {name!r}' if name else ''}")
        return campaign

    def _import(self, options) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"{path} : {exc.strerror or exc}") from exc
        campaign = self._find_campaign(options, create=True)
        try:
            result = import_file(path.name, data, campaign, dry_run=options["dry_run"])
        except SheetError as exc:
            raise CommandError(f"{path} : {exc}") from exc
        for error in result.errors:
            self.stderr.write(f"{path.name}, {error}")
        self.stdout.write(f"{campaign.name} : {result.summary}" + (" (essai : rien enregistré)" * options["dry_run"]))
        if result.errors:
            raise CommandError(f"{len(result.errors)} ligne(s) refusée(s), les autres sont importées")

    def _write(self, options, rows) -> None:
        data = write_ods(rows) if options["format"] == "ods" else write_csv(rows)
        out: Path | None = options["out"]
        if out is not None:
            out.write_bytes(data)
            self.stdout.write(str(out))
        elif options["format"] == "ods":
            raise CommandError("--out FICHIER est nécessaire pour un fichier ODS")
        else:
            self.stdout.write(data.decode("utf-8"), ending="")

    def _template(self, options) -> None:
        self._write(options, [])

    def _export(self, options) -> None:
        self._write(options, task_rows(Task.objects.filter(campaign=self._find_campaign(options))))

    def _opportunities(self, options) -> None:
        rows = opportunity_rows(self._find_campaign(options), service=options["service"])
        if options["limit"]:
            rows = rows[: options["limit"]]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        for k, row in enumerate(rows, 1):
            self.stdout.write(
                f"{k}. [{row['score']}] {row['service']} — {row['tache']} : {row['heures_par_an']} h/an, "
                f"risque {row['risque']}, {row['recommandation']}"
            )
            for reason in row["raisons"]:
                self.stdout.write(f"     - {reason}")

    def _report(self, options) -> None:
        from relais.diagnostic.report import build, file_stem, render_html, render_pdf
        from relais.insights.report_files import write_report_pair

        data = build(self._find_campaign(options))
        written = write_report_pair(
            options["out"], file_stem(data), lambda: render_pdf(data), lambda: render_html(data)
        )
        for path in written:
            self.stdout.write(str(path))

    def _campaign(self, options) -> None:
        name = options["name"]
        if name:
            campaign, created = Campaign.objects.get_or_create(name=name, defaults={"opened_on": date.today()})
            if options["deadline"]:
                campaign.deadline = options["deadline"]
                campaign.save(update_fields=["deadline"])
            self.stdout.write(f"{'Campagne ouverte' if created else 'Campagne'} : {campaign.name}")
        for campaign in Campaign.objects.all():
            deadline = f"{campaign.deadline:%d/%m/%Y}" if campaign.deadline else "à fixer"
            self.stdout.write(
                f"{campaign.name} — ouverte le {campaign.opened_on:%d/%m/%Y}, date limite {deadline}, "
                f"{campaign.tasks.count()} tâche(s)"
            )
