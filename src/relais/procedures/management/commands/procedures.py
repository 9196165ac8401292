from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.audit.log import record
from relais.engine.procedures.definition import ProcedureError
from relais.procedures.models import Procedure, Status
from relais.procedures.runs import load_folder


class Command(BaseCommand):
    help = "Guided procedures: load YAML definitions from a folder, or list them with their runs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="create or update the procedures of a folder of .yaml files")
        load.add_argument("folder", type=Path)
        actions.add_parser("list", help="list the procedures, their revision and how many runs each has")

    def handle(self, *args, **options) -> None:
        if options["action"] == "load":
            folder: Path = options["folder"]
            if not folder.is_dir():
                raise CommandError(f"{folder} is not a folder of procedure .yaml files")
            try:
                procedures = load_folder(folder)
            except ProcedureError as exc:
                raise CommandError(f"invalid procedure definition (nothing was changed for it): {exc}") from exc
            record("démarches chargées", target=str(folder), detail={p.slug: p.revision for p in procedures})
            if options["verbosity"]:
                self.stdout.write(f"{len(procedures)} procedure(s) loaded from {folder}")
            return
        for procedure in Procedure.objects.all():
            runs = procedure.runs.exclude(status=Status.ABANDONED)
            done = runs.filter(status__in=[Status.APPROVED, Status.DONE]).count()
            state = "active" if procedure.is_active else "inactive"
            self.stdout.write(
                f"{procedure.slug}\t{procedure.service}\trevision {procedure.revision}\t{state}\t"
                f"{runs.count()} run(s), {done} completed"
            )
