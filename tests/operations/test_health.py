"""/healthz: 200 while agents can be served and the worker runs, 503 otherwise, with the failing check named."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from relais.helpdesk.models import OutboxMessage
from relais.knowledge.index import get_passage_index
from relais.knowledge.models import IndexGeneration
from relais.operations import health
from relais.operations.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def probe() -> tuple[int, dict]:
    response = Client().get("/healthz")
    assert response["Content-Type"] == "application/json" and "no-cache" in response["Cache-Control"]
    return response.status_code, json.loads(response.content)


def beat(ago: timedelta = timedelta(0), worker: str = "serveur-1:4242") -> None:
    WorkerHeartbeat.objects.update_or_create(worker=worker, defaults={"seen_at": timezone.now() - ago})


def outbox_message(state: str, key: str, created_ago: timedelta = timedelta(0)) -> None:
    OutboxMessage.objects.create(
        kind=OutboxMessage.Kind.NOTIFY, connector="email", payload={"key": key}, idempotency_key=key, state=state,
        created_at=timezone.now() - created_ago,
    )  # fmt: skip


def test_healthy_when_the_database_answers_and_a_worker_beat_recently():
    beat(timedelta(seconds=30))
    status, body = probe()
    assert status == 200 and body["status"] == "ok"
    assert set(body["checks"]) == {"database", "index", "worker", "outbox"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["alive"] == 1 and 29 <= body["checks"]["worker"]["age_seconds"] < 60


def test_a_worker_silent_for_over_two_minutes_fails():
    beat(timedelta(minutes=2, seconds=5))
    status, body = probe()
    assert status == 503 and body["status"] == "fail"
    worker = body["checks"]["worker"]
    assert worker["ok"] is False and worker["alive"] == 0 and worker["age_seconds"] >= 125
    assert "120 s" in worker["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["outbox"]["ok"]


def test_no_worker_ever_fails():
    status, body = probe()
    assert status == 503 and body["checks"]["worker"] == {
        "ok": False, "last_seen": None, "age_seconds": None, "error": "no worker has ever run",
    }  # fmt: skip


def test_the_freshest_of_several_workers_counts():
    beat(timedelta(minutes=10), worker="ancien:1")
    beat(timedelta(seconds=5), worker="actuel:2")
    status, body = probe()
    assert status == 200 and body["checks"]["worker"]["alive"] == 1


def test_outbox_backlog_and_failures_are_reported_without_failing():
    beat()
    outbox_message(OutboxMessage.State.PENDING, "a", created_ago=timedelta(minutes=10))
    outbox_message(OutboxMessage.State.PENDING, "b")
    outbox_message(OutboxMessage.State.DEAD, "c")
    outbox_message(OutboxMessage.State.SENT, "d")
    status, body = probe()
    outbox = body["checks"]["outbox"]
    assert status == 200 and outbox["pending"] == 2 and outbox["failed"] == 1
    assert 600 <= outbox["oldest_pending_age_seconds"] < 660


def test_the_index_is_reported_as_loaded_then_behind_the_knowledge():
    beat()
    _, body = probe()
    assert body["checks"]["index"] == {
        "ok": True, "loaded": False, "generation": None, "current_generation": IndexGeneration.current(),
        "up_to_date": False, "passages": 0,
    }  # fmt: skip
    get_passage_index().search("congés", k=1)  # what the server's warm-up does at start
    _, body = probe()
    index = body["checks"]["index"]
    assert index["loaded"] and index["up_to_date"] and index["generation"] == index["current_generation"]
    IndexGeneration.bump()  # another process changed the knowledge: reloaded at the next search
    status, body = probe()
    assert status == 200 and body["checks"]["index"]["up_to_date"] is False
    assert body["checks"]["index"]["current_generation"] == index["generation"] + 1


def test_a_database_failure_fails_every_check_without_leaking_its_message(monkeypatch):
    beat()

    def unreachable():
        raise OperationalError('connection to server at "db.interne" failed: password authentication for "relais"')

    monkeypatch.setitem(health.CHECKS, "database", unreachable)
    status, body = probe()
    assert status == 503 and body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["worker"] == {"ok": False, "error": "database unreachable"}
    assert "db.interne" not in json.dumps(body) and "password" not in json.dumps(body)


def test_an_unmigrated_knowledge_table_fails_the_index_check(monkeypatch):
    beat()

    def missing_table():
        raise OperationalError("no such table: knowledge_indexgeneration")

    monkeypatch.setattr(IndexGeneration, "current", staticmethod(missing_table))
    status, body = probe()
    assert status == 503 and body["checks"]["index"] == {"ok": False, "error": "OperationalError"}


def test_it_names_no_worker_host_and_needs_no_sign_in():
    beat(worker="srv-secret-host:31337")
    response = Client().get("/healthz")
    assert response.status_code == 200 and b"srv-secret-host" not in response.content
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code == 405
