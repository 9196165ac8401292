"""/metrics for Prometheus: questions and answer modes, answer latency, outbox backlog, index size.

Two kinds of figures, each from where it is true:

- Events (questions by answer mode, the latency histogram) are counted in the process that answered, when its
  Exchange row is committed. Not derived from rows at scrape time: the retention purge deletes old exchanges, so
  a count of rows goes down, which Prometheus reads as a counter reset. Each app server is its own scrape target
  and the installation's rate is `sum(rate(...))` over them; a restart resets its counters, which rate() handles.
  Several processes behind one port (`relais serve --workers N`) need PROMETHEUS_MULTIPROC_DIR: an empty folder
  for this server alone, emptied at each start (systemd's RuntimeDirectory=); the processes then share their
  counts through files in it, whichever process answers the scrape. See docs/operations.md.
- State (the outbox, the worker's heartbeat, the shared knowledge generation) is read from the database at each
  scrape, so every target reports the same installation-wide value: aggregate it with max(), not sum(). The
  loaded index is this process's own.

Only the networks of RELAIS_METRICS_NETWORKS may read it (403 otherwise): no personal data is in it, but the
activity of the services is nobody else's business.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterator

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, transaction
from django.db.models import Min
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from relais.assistant.models import Exchange, Mode
from relais.helpdesk.models import OutboxMessage
from relais.knowledge.index import loaded_index_state
from relais.knowledge.models import IndexGeneration
from relais.operations.health import WORKER_STALE_AFTER
from relais.operations.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# The events, in this process (or in PROMETHEUS_MULTIPROC_DIR's files, when that is set before this import).
EVENTS = CollectorRegistry()
QUESTIONS = Counter(
    "relais_questions", "Questions answered, by answer mode (faq, extractive, generated, none).", ["mode"],
    registry=EVENTS,
)  # fmt: skip
# From a FAQ hit (tens of ms) to a generated answer on a small CPU (tens of seconds).
LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60)
ANSWER_LATENCY = Histogram(
    "relais_answer_latency_seconds", "Time to answer a question (the pipeline's measure), by answer mode.", ["mode"],
    buckets=LATENCY_BUCKETS, registry=EVENTS,
)  # fmt: skip
for _mode in Mode.values:  # every series exists from the start, at 0: rate() needs a first sample
    QUESTIONS.labels(_mode)
    ANSWER_LATENCY.labels(_mode)


def observe(mode: str, latency_ms: float) -> None:
    QUESTIONS.labels(mode).inc()
    ANSWER_LATENCY.labels(mode).observe(latency_ms / 1000)


def count_exchange(sender: type[Exchange], instance: Exchange, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of Exchange: one question answered, counted once its row is committed (a rolled-back
    answer never reached the agent). `raw`: loaded from a fixture, not asked."""
    if created and not raw:
        mode, latency_ms = instance.mode, instance.latency_ms
        transaction.on_commit(lambda: observe(mode, latency_ms), robust=True)


class StateCollector(Collector):
    """Installation state, read from the database at each scrape (a few indexed counts)."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("relais_database_up", "1 if the database answered this scrape's queries.")
        try:
            state = list(self._state())
        except DatabaseError as exc:
            logger.warning("metrics: database unreachable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            yield from self._index()
            return
        up.add_metric([], 1)
        yield up
        yield from state
        yield from self._index()

    def _state(self) -> Iterator[Metric]:
        pending = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        failed = OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD)
        yield _gauge("relais_outbox_pending", "External sends waiting (backlog).", pending.count())
        yield _gauge("relais_outbox_failed", "External sends given up, waiting for a person.", failed.count())
        oldest = pending.aggregate(oldest=Min("created_at"))["oldest"]
        age = (timezone.now() - oldest).total_seconds() if oldest else 0.0
        yield _gauge("relais_outbox_oldest_pending_age_seconds", "Age of the oldest waiting send; 0: none.", age)
        alive = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - WORKER_STALE_AFTER).count()
        yield _gauge("relais_workers_alive", "Workers with a sign of life in the last 2 minutes.", alive)
        latest = WorkerHeartbeat.latest()
        if latest is not None:  # absent, rather than a made-up age, when no worker ever ran
            age = (timezone.now() - latest.seen_at).total_seconds()
            yield _gauge("relais_worker_heartbeat_age_seconds", "Seconds since the last worker's sign of life.", age)
        yield _gauge("relais_knowledge_generation", "Knowledge changes so far (shared by all processes).",
                     IndexGeneration.current())  # fmt: skip

    def _index(self) -> Iterator[Metric]:
        loaded, generation, passages = loaded_index_state()
        yield _gauge("relais_index_loaded", "1 if this process has loaded the passage index.", int(loaded))
        yield _gauge("relais_index_passages", "Passages in this process's loaded index.", passages)
        yield _gauge("relais_index_generation", "Knowledge generation this process's index was loaded at; -1: none.",
                     -1 if generation is None else generation)  # fmt: skip


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=float(value))


def _scrape_registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # the sum over this server's processes, read from their files
    else:
        registry = EVENTS
        ProcessCollector(registry=registry)  # memory, CPU, open files of this process
    registry.register(StateCollector())
    return registry


SCRAPED = _scrape_registry()


def allowed(address: str) -> bool:
    try:
        client = ipaddress.ip_address(address)
    except ValueError:  # no address (a Unix socket) or garbage
        return False
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped  # ::ffff:10.0.0.5 from a dual-stack socket is 10.0.0.5
    return any(client in network for network in settings.RELAIS.metrics_ip_networks)


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    # REMOTE_ADDR is the peer, or X-Forwarded-For's client when the peer is in RELAIS_TRUSTED_PROXIES (uvicorn).
    if not allowed(request.META.get("REMOTE_ADDR", "")):
        raise PermissionDenied("Réservé à la supervision.")
    # The format the scraper asks for (Prometheus text, or OpenMetrics), as prometheus_client's own server does.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    return HttpResponse(encode(SCRAPED), content_type=content_type)
