"""/metrics: questions by answer mode and their latency (counted when answered), outbox, worker and index state
(read at scrape time), for the configured networks only."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from relais.assistant.models import Conversation, Exchange
from relais.assistant.pipeline import ask
from relais.config import Config, ConfigError
from relais.helpdesk.models import OutboxMessage
from relais.knowledge.index import get_passage_index
from relais.operations.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def scrape(address: str = "127.0.0.1") -> dict[tuple[str, tuple], float]:
    """(sample name, sorted labels) → value, parsed as Prometheus parses it."""
    response = Client(REMOTE_ADDR=address).get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def questions(metrics: dict, mode: str) -> float:
    return metrics[("relais_questions_total", (("mode", mode),))]


def latency_bucket(metrics: dict, mode: str, le: str) -> float:
    return metrics[("relais_answer_latency_seconds_bucket", (("le", le), ("mode", mode)))]


def exchange(mode: str, latency_ms: float) -> Exchange:
    return Exchange.objects.create(
        conversation=Conversation.objects.create(), question="Combien de jours de congés ?", search_query="congés",
        answer="…", mode=mode, confidence=0.9, latency_ms=latency_ms,
    )  # fmt: skip


def test_every_mode_is_exposed_from_the_start():
    metrics = scrape()
    for mode in ("faq", "extractive", "generated", "none"):
        assert questions(metrics, mode) >= 0 and latency_bucket(metrics, mode, "+Inf") >= 0


def test_an_answered_question_is_counted_with_its_mode_and_latency(django_capture_on_commit_callbacks):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        exchange("faq", latency_ms=40)  # 0.04 s: in the 0.05 bucket, not in the 0.025 one
        exchange("faq", latency_ms=3000)
    after = scrape()
    assert questions(after, "faq") - questions(before, "faq") == 2
    assert questions(after, "extractive") == questions(before, "extractive")
    assert latency_bucket(after, "faq", "0.025") == latency_bucket(before, "faq", "0.025")
    assert latency_bucket(after, "faq", "0.05") - latency_bucket(before, "faq", "0.05") == 1
    assert latency_bucket(after, "faq", "5.0") - latency_bucket(before, "faq", "5.0") == 2
    total = ("relais_answer_latency_seconds_sum", (("mode", "faq"),))
    assert after[total] - before[total] == pytest.approx(3.04)


def test_a_question_asked_through_the_pipeline_is_counted(django_capture_on_commit_callbacks):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        result = ask("Comment poser un jour de télétravail ?")
    after = scrape()
    assert questions(after, result.exchange.mode) - questions(before, result.exchange.mode) == 1


def test_a_rolled_back_answer_is_not_counted(django_capture_on_commit_callbacks):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        exchange("extractive", latency_ms=100)
        raise RuntimeError("the answer never reached the agent")
    assert questions(scrape(), "extractive") == questions(before, "extractive")


def test_the_retention_purge_does_not_lower_the_counter(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        exchange("none", latency_ms=20)
    counted = questions(scrape(), "none")
    Exchange.objects.all().delete()  # what the purge does to old exchanges
    assert questions(scrape(), "none") == counted


def test_outbox_worker_and_index_state_are_read_at_scrape_time():
    metrics = scrape()
    assert metrics[("relais_database_up", ())] == 1
    assert metrics[("relais_outbox_pending", ())] == 0 and metrics[("relais_workers_alive", ())] == 0
    assert ("relais_worker_heartbeat_age_seconds", ()) not in metrics  # no worker ever ran: no made-up age
    assert metrics[("relais_index_loaded", ())] == 0 and metrics[("relais_index_generation", ())] == -1

    for key, state in [("a", "pending"), ("b", "pending"), ("c", "dead")]:
        OutboxMessage.objects.create(
            kind="notify", connector="email", payload={"key": key}, idempotency_key=key, state=state,
            created_at=timezone.now() - timedelta(minutes=5),
        )  # fmt: skip
    WorkerHeartbeat.objects.create(worker="srv:1", seen_at=timezone.now() - timedelta(seconds=30))
    get_passage_index().search("congés", k=1)
    metrics = scrape()
    assert metrics[("relais_outbox_pending", ())] == 2 and metrics[("relais_outbox_failed", ())] == 1
    assert 300 <= metrics[("relais_outbox_oldest_pending_age_seconds", ())] < 360
    assert metrics[("relais_workers_alive", ())] == 1
    assert 30 <= metrics[("relais_worker_heartbeat_age_seconds", ())] < 60
    assert metrics[("relais_index_loaded", ())] == 1
    assert metrics[("relais_index_passages", ())] == len(get_passage_index()._engine)
    assert metrics[("relais_index_generation", ())] == metrics[("relais_knowledge_generation", ())]


def test_other_networks_are_refused():
    for address in ("10.0.0.5", "192.168.1.20", "2001:db8::1", ""):
        response = Client(REMOTE_ADDR=address).get("/metrics")
        assert response.status_code == 403 and b"relais_" not in response.content, address
    assert scrape("::1")[("relais_database_up", ())] == 1


def test_the_configured_networks_are_allowed(settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, metrics_networks=("10.20.0.0/16", "192.168.1.7"))
    assert scrape("10.20.3.4")[("relais_database_up", ())] == 1
    assert scrape("::ffff:192.168.1.7")[("relais_database_up", ())] == 1  # IPv4 seen through a dual-stack socket
    for address in ("10.21.0.1", "192.168.1.8", "127.0.0.1"):
        assert Client(REMOTE_ADDR=address).get("/metrics").status_code == 403, address


def test_the_networks_setting_is_parsed_and_checked():
    assert Config.from_env({}).metrics_networks == ("127.0.0.1/32", "::1/128")
    config = Config.from_env({"RELAIS_METRICS_NETWORKS": "10.0.0.0/8, fd00::/8,192.168.1.7"})
    assert [str(n) for n in config.metrics_ip_networks] == ["10.0.0.0/8", "fd00::/8", "192.168.1.7/32"]
    for wrong in ("10.0.0.0/33", "intranet", "10.0.0.0/8;10.1.0.0/16"):
        with pytest.raises(ConfigError, match=r"RELAIS_METRICS_NETWORKS: .* is not a network; expected CIDRs"):
            Config.from_env({"RELAIS_METRICS_NETWORKS": wrong})


def test_openmetrics_is_answered_to_a_scraper_asking_for_it():
    response = Client().get("/metrics", HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.decode().rstrip().endswith("# EOF")
