"""/healthz: can this server answer agents, and is the background work done? JSON, 200 or 503.

What fails (503), because the service is then broken for agents:
- the database does not answer a trivial query;
- the knowledge generation cannot be read (a database not migrated: every question would fail);
- no worker has shown a sign of life for 2 minutes: tickets are no longer sent to GLPI or by e-mail,
  notifications and the retention purge stop.

What is reported and does not fail, because a 503 would not help and could hurt (a load balancer would take
every server out of rotation for something none of them can fix):
- the passage index not loaded in this process, or behind the knowledge: the next question (re)loads it;
  `relais serve` loads it before the first request, so "loaded": false lasting means the warm-up failed (its
  warning is in the log);
- the outbox backlog and its given-up sends: a GLPI or SMTP outage fills the backlog while the worker retries,
  and a given-up send waits for a person (admin « Envois externes »). Alert on them from /metrics instead.

Open to all (load balancers, monitoring), so it shows counts, ages and error class names only: no message text
(a database error can name hosts and accounts), no worker names, nothing personal.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from relais.helpdesk.models import OutboxMessage
from relais.knowledge.index import loaded_index_state
from relais.knowledge.models import IndexGeneration
from relais.operations.models import WorkerHeartbeat

WORKER_STALE_AFTER = timedelta(minutes=2)

Check = dict[str, Any]


def database_check() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {"ok": True}


def index_check() -> Check:
    current = IndexGeneration.current()
    loaded, generation, passages = loaded_index_state()
    return {
        "ok": True,
        "loaded": loaded,
        "generation": generation,
        "current_generation": current,
        "up_to_date": loaded and generation == current,
        "passages": passages,
    }


def worker_check() -> Check:
    latest = WorkerHeartbeat.latest()
    if latest is None:
        return {"ok": False, "last_seen": None, "age_seconds": None, "error": "no worker has ever run"}
    age = timezone.now() - latest.seen_at
    alive = WorkerHeartbeat.objects.filter(seen_at__gte=timezone.now() - WORKER_STALE_AFTER).count()
    check: Check = {
        "ok": age <= WORKER_STALE_AFTER,
        "last_seen": latest.seen_at.isoformat(),
        "age_seconds": round(age.total_seconds(), 1),
        "alive": alive,
    }
    if not check["ok"]:
        check["error"] = f"no sign of life for over {int(WORKER_STALE_AFTER.total_seconds())} s"
    return check


def outbox_check() -> Check:
    pending = OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
    oldest = pending.order_by("created_at").values_list("created_at", flat=True).first()
    return {
        "ok": True,
        "pending": pending.count(),
        "oldest_pending_age_seconds": round((timezone.now() - oldest).total_seconds(), 1) if oldest else None,
        "failed": OutboxMessage.objects.filter(state=OutboxMessage.State.DEAD).count(),
    }


CHECKS: dict[str, Callable[[], Check]] = {
    "database": database_check,
    "index": index_check,
    "worker": worker_check,
    "outbox": outbox_check,
}


def run_checks() -> dict[str, Check]:
    results: dict[str, Check] = {}
    for name, check in CHECKS.items():
        if name != "database" and not results["database"]["ok"]:
            results[name] = {"ok": False, "error": "database unreachable"}  # not waiting on it once per check
            continue
        try:
            results[name] = check()
        except DatabaseError as exc:
            results[name] = {"ok": False, "error": type(exc).__name__}
    return results


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = all(check["ok"] for check in checks.values())
    response = JsonResponse({"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503)
    # Not one « Service Unavailable » error line per probe while a worker is down: the access log has the 503s
    # and the payload says why (Django's own flag, checked before it logs a 5xx answer).
    response._has_been_logged = True
    return response
