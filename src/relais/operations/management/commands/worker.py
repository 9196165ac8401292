"""`relais worker`: the django-tasks queue, the periodic sweep and the daily purge, for as long as it runs.

Several workers may run at once (one per machine, or a spare): the sweep and the purge are claimed in the
database (PeriodicRun), so each runs once per period whichever worker wins; queued tasks are claimed by
django-tasks-db and outbox messages by the outbox itself. A round that fails (the database locked, restarting,
unreachable) is logged with its traceback, then retried after a growing pause: the worker never dies of it,
since nothing restarts it and deliveries and the purge would stop silently.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

from relais.helpdesk.outbox import deliver_outbox
from relais.helpdesk.tickets import sync_helpdesk_statuses
from relais.insights.gaps import embed_questions
from relais.knowledge.sentences import warm_sentences
from relais.operations.models import PeriodicRun, WorkerHeartbeat
from relais.operations.retention import purge_expired

logger = logging.getLogger("relais.worker")

PURGE_EVERY = timedelta(days=1)
HEARTBEATS_KEPT = timedelta(days=7)
BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
SLEEP_SLICE_SECONDS = 0.5  # a pause is slept in slices, so SIGTERM stops the worker within this delay


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff_seconds(failures: int) -> float:
    """1 s after the first failed round, doubling up to a minute."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** (failures - 1))


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
        self.stopping = False
        self.queue: Worker | None = None
        self.name = worker_name()
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop(options)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, signum: int, frame: object) -> None:
        """SIGTERM or Ctrl-C: finish the task at hand (if any), then leave."""
        self.stopping = True
        if self.queue is not None:
            self.queue.running = False

    def _loop(self, options: dict) -> None:
        failures = 0
        while not self.stopping:
            # uvicorn re-raises SIGTERM after its shutdown, so `relais serve` cannot always stop us: watch it instead.
            if options["parent_pid"] and os.getppid() != options["parent_pid"]:
                return
            try:
                self._round(sweep=timedelta(seconds=options["sweep"]), force=options["once"])
            except Exception as exc:
                failures += 1
                self._recover_from(exc, failures, once=options["once"])
                self._pause(backoff_seconds(failures))
                continue
            if failures:
                logger.warning("worker %s: round succeeded again after %d failed rounds", self.name, failures)
                failures = 0
            if options["once"]:
                return
            self._pause(options["interval"])

    def _round(self, sweep: timedelta, force: bool) -> None:
        WorkerHeartbeat.beat(self.name)
        # One worker per period wins each claim; `--once` (run by hand or by cron) always sweeps.
        if force or PeriodicRun.claim("sweep", sweep):
            # Catches sends whose retry is due even if their deferred task was lost.
            deliver_outbox.enqueue()
            sync_helpdesk_statuses.enqueue()
            embed_questions.enqueue()  # the knowledge-gap pages never embed inside a request
            warm_sentences.enqueue()  # nor, once warmed, the answers' sentence reader
        if force or PeriodicRun.claim("purge", PURGE_EVERY):
            purge_expired.enqueue()  # retention (RELAIS_RETENTION_DAYS), once a day
            WorkerHeartbeat.forget_older_than(HEARTBEATS_KEPT)
        self._drain_queue()

    def _drain_queue(self) -> None:
        """Run the queued tasks, as `db_worker --batch` does, but under our signal handlers: a SIGTERM during
        a task lets it finish, then stops the worker (db_worker's own handlers would swallow it)."""
        self.queue = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=self.name[-64:],
            excluded_queue_names=[],
        )
        self.queue.running = not self.stopping
        try:
            self.queue.run()
        finally:
            self.queue = None

    def _recover_from(self, exc: Exception, failures: int, once: bool) -> None:
        delay = backoff_seconds(failures)
        logger.error(
            "worker %s: round failed (%d in a row): %s; retrying in %g s. Deliveries and the purge wait until "
            "the database answers again: check that it is reachable and not locked by a long-running command",
            self.name,
            failures,
            exc,
            delay,
            exc_info=exc,
        )
        # The failed connection may be broken (server restarted, transaction aborted): the next round opens a
        # fresh one rather than failing again on the same socket.
        connections.close_all()
        if once:
            raise CommandError(f"the worker round failed (traceback above): {exc}") from exc

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, SLEEP_SLICE_SECONDS))
