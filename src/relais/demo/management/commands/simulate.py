from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from relais.demo.simulate import SimulationError, simulate
from relais.insights.gaps import embed_questions


class Command(BaseCommand):
    help = (
        "Demo only: fill a few months of simulated usage of the demo knowledge (fictional agents, questions, "
        "ratings, tickets, baselines), marked as simulated, so the dashboard and the report show something: "
        "`relais simulate --months 3` after `relais demo`. Each run replaces the previous simulation."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=3)
        parser.add_argument("--agents", type=int, default=60, help="simulated agents")
        parser.add_argument("--per-day", type=float, default=15.0, help="questions per working day at full use")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--folder", type=Path, default=Path("demo"), help="demo folder (questions, FAQ)")

    def handle(self, *args, **options) -> None:
        try:
            summary = simulate(
                months=options["months"],
                agents=options["agents"],
                per_day=options["per_day"],
                seed=options["seed"],
                folder=options["folder"],
                progress=self.stdout.write if options["verbosity"] else None,
            )
        except SimulationError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary)
        # What `relais worker` would do over the next minutes, at once: the gap pages show every question.
        embedded = 0
        while done := embed_questions.call():
            embedded += done
        if options["verbosity"]:
            self.stdout.write(f"{embedded} questions prepared for the knowledge-gap pages.")
