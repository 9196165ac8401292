import os
import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from relais.helpdesk.outbox import deliver_outbox
from relais.helpdesk.tickets import sync_helpdesk_statuses
from relais.insights.gaps import embed_questions
from relais.operations.retention import purge_expired

PURGE_EVERY_SECONDS = 24 * 3600


class Command(BaseCommand):
    help = "Run background work: the django-tasks queue, a periodic outbox and GLPI sweep, the daily retention purge."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between queue checks (default 2)")
        parser.add_argument("--sweep", type=float, default=60.0, help="seconds between sweeps (default 60)")
        parser.add_argument("--once", action="store_true", help="sweep, drain the queue once and exit")
        parser.add_argument(
            "--parent-pid", type=int, help="exit when this process (the `relais serve` that started it) ends"
        )

    def handle(self, *args, **options) -> None:
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        last_sweep = 0.0
        last_purge = -float(PURGE_EVERY_SECONDS)
        while not stopping:
            # uvicorn re-raises SIGTERM after its shutdown, so `relais serve` cannot always stop us: watch it instead.
            if options["parent_pid"] and os.getppid() != options["parent_pid"]:
                return
            # db_worker installs and then resets its own handlers: install ours each round.
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
            if time.monotonic() - last_sweep >= options["sweep"]:
                # Catches sends whose retry is due even if their deferred task was lost.
                deliver_outbox.enqueue()
                sync_helpdesk_statuses.enqueue()
                embed_questions.enqueue()  # the knowledge-gap pages never embed inside a request
                last_sweep = time.monotonic()
            if time.monotonic() - last_purge >= PURGE_EVERY_SECONDS:
                purge_expired.enqueue()  # retention (RELAIS_RETENTION_DAYS), once a day
                last_purge = time.monotonic()
            call_command("db_worker", batch=True, interval=0, verbosity=0)
            if options["once"]:
                return
            time.sleep(options["interval"])
