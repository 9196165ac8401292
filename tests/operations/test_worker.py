"""`relais worker`: it survives database errors, beats, claims its periodic jobs and stops cleanly on SIGTERM."""

import logging
import os
import signal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from relais.helpdesk import outbox
from relais.helpdesk.models import OutboxMessage
from relais.operations.management.commands import worker
from relais.operations.models import PeriodicRun, WorkerHeartbeat

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Recording:
    """A connector that notes each send."""

    name = "recording"

    def __init__(self) -> None:
        self.sent: list[str] = []

    def add_followup(self, followup) -> str:
        self.sent.append(followup.key)
        return f"sent-{followup.key}"


def notification(key: str) -> OutboxMessage:
    payload = {"key": key, "reference": "RH-00001", "external_id": "", "body": "Suivi.", "author_name": "RH"}
    return OutboxMessage.objects.create(kind="notify", connector="recording", payload=payload, idempotency_key=key)


def run_worker(monkeypatch, until, *options: str) -> list[float]:
    """Run the worker's loop in this process; each pause is noted, and the loop ends once `until()` holds
    (or after 20 pauses, so that a broken worker fails the test instead of hanging it)."""
    pauses: list[float] = []

    def pause(command, seconds: float) -> None:
        pauses.append(seconds)
        if until() or len(pauses) >= 20:
            command.stopping = True

    monkeypatch.setattr(worker.Command, "_pause", pause)
    call_command("worker", "--interval=0.01", *options)
    return pauses


def failing(times: int, real):
    """`real`, but raising the error of a locked database for its first `times` calls."""
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= times:
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_a_worker_logs_database_errors_backs_off_and_delivers_once_the_database_is_back(monkeypatch, caplog):
    connector = Recording()
    monkeypatch.setattr(outbox, "get_connector", lambda name: connector)
    message = notification("notify-locked")
    monkeypatch.setattr(WorkerHeartbeat, "beat", failing(3, WorkerHeartbeat.beat))

    def delivered() -> bool:
        return OutboxMessage.objects.get(pk=message.pk).state == OutboxMessage.State.SENT

    pauses = run_worker(monkeypatch, delivered, "--sweep=3600")

    assert pauses[:3] == [1.0, 2.0, 4.0] and pauses[3:] == [0.01]  # backed off, then back to its interval
    assert connector.sent == ["notify-locked"] and delivered()
    errors = [r for r in caplog.records if r.name == "relais.worker" and r.levelno == logging.ERROR]
    assert len(errors) == 3
    assert all(isinstance(r.exc_info[1], OperationalError) and "database is locked" in r.getMessage() for r in errors)
    assert any("succeeded again after 3 failed rounds" in r.getMessage() for r in caplog.records)
    assert WorkerHeartbeat.latest().worker == worker.worker_name()


def test_the_backoff_doubles_from_one_second_up_to_a_minute():
    assert [worker.backoff_seconds(n) for n in range(1, 10)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


@pytest.mark.django_db(transaction=True)
def test_a_worker_keeps_going_whatever_a_round_raises(monkeypatch, caplog):
    monkeypatch.setattr(WorkerHeartbeat, "beat", failing(1, WorkerHeartbeat.beat))
    original = PeriodicRun.claim
    broken = {"left": 1}

    def claim(job, every):
        if broken["left"]:
            broken["left"] -= 1
            raise ValueError("a bug in one round")
        return original(job, every)

    monkeypatch.setattr(PeriodicRun, "claim", claim)
    pauses = run_worker(monkeypatch, lambda: PeriodicRun.objects.count() == 2)
    assert pauses == [1.0, 2.0, 0.01]
    assert [type(r.exc_info[1]) for r in caplog.records if r.name == "relais.worker" and r.exc_info] == [
        OperationalError,
        ValueError,
    ]


@pytest.mark.django_db
def test_worker_once_fails_loudly_on_a_database_error(monkeypatch, caplog):
    monkeypatch.setattr(WorkerHeartbeat, "beat", failing(1, WorkerHeartbeat.beat))
    with pytest.raises(CommandError, match="database is locked"):
        call_command("worker", once=True)
    assert any(r.name == "relais.worker" and r.exc_info for r in caplog.records)


@pytest.mark.django_db(transaction=True)  # the queue's worker closes connections, as between requests
@pytest.mark.postgres
def test_the_sweep_and_the_purge_run_once_per_period_whatever_the_number_of_workers(monkeypatch):
    enqueued: list[str] = []

    class Counted:
        def __init__(self, name: str) -> None:
            self.name = name

        def enqueue(self) -> None:
            enqueued.append(self.name)

    for name in ("deliver_outbox", "sync_helpdesk_statuses", "embed_questions", "warm_sentences", "purge_expired"):
        monkeypatch.setattr(worker, name, Counted(name))
    rounds = {"n": 0}

    def three_rounds() -> bool:
        rounds["n"] += 1
        return rounds["n"] == 3

    run_worker(monkeypatch, three_rounds, "--sweep=3600")
    assert sorted(enqueued) == [
        "deliver_outbox", "embed_questions", "purge_expired", "sync_helpdesk_statuses", "warm_sentences"
    ]  # fmt: skip
    rounds["n"] = 0
    run_worker(monkeypatch, three_rounds, "--sweep=3600")  # a second worker, within the same hour and day
    assert len(enqueued) == 5
    assert set(PeriodicRun.objects.values_list("job", flat=True)) == {"sweep", "purge"}


@task()
def stop_the_worker_mid_task() -> str:
    os.kill(os.getpid(), signal.SIGTERM)
    return "finished anyway"


@task()
def never_started() -> str:
    return "ran after SIGTERM"


@pytest.mark.django_db(transaction=True)  # the queue's worker closes connections, as between requests
def test_sigterm_during_a_task_lets_it_finish_then_stops_the_worker(settings):
    settings.TASKS = DB_QUEUE
    before = signal.getsignal(signal.SIGTERM)
    first, second = stop_the_worker_mid_task.enqueue(), never_started.enqueue()
    call_command("worker", "--interval=0.01")  # returns: SIGTERM stopped it
    assert DBTaskResult.objects.get(pk=first.id).status == "SUCCESSFUL"
    assert DBTaskResult.objects.get(pk=second.id).status == "READY"
    assert signal.getsignal(signal.SIGTERM) is before
