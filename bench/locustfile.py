"""Locust users for the load benchmark of `POST /api/v1/ask` (driven by bench/load.py).

    RELAIS_BENCH_TOKEN=rls_… locust -f bench/locustfile.py --headless -u 20 -r 20 -t 60s \
        --host http://127.0.0.1:8000 AgentUser

Two user classes, picked by name on the command line:

- `AgentUser`: an agent asking a random question of demo/questions.yaml, then thinking 1 to 3 s.
- `CapacityUser`: the same question, at a fixed pace of RELAIS_BENCH_USER_RATE requests per second per user
  (default 1; constant throughput: a slow answer shortens the pause instead of adding to it). The offered
  load is then users × rate, which bench/load.py steps up to find the capacity.

Each user starts after a random part of its cycle (locust starts `-r` users at the same instant), so that the
load is spread over time as with real agents instead of arriving in synchronised bursts.

Environment: RELAIS_BENCH_TOKEN (required, an API token `rls_…`), RELAIS_BENCH_QUESTIONS (default
demo/questions.yaml), RELAIS_BENCH_USER_RATE (CapacityUser only).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import gevent
import yaml
from locust import HttpUser, between, task

ROOT = Path(__file__).resolve().parents[1]


def load_questions(path: Path) -> list[str]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    questions = [str(entry["question"]) for entry in entries if isinstance(entry, dict) and entry.get("question")]
    if not questions:
        raise SystemExit(f"No question in {path}")
    return questions


QUESTIONS = load_questions(Path(os.environ.get("RELAIS_BENCH_QUESTIONS", ROOT / "demo" / "questions.yaml")))


class AgentUser(HttpUser):
    """An agent asking a question every 1 to 3 s (plus the time the answer takes)."""

    wait_time = between(1, 3)
    # Locust starts `-r` users in the same instant: each one first waits a random part of its cycle, so that
    # the users do not all ask at once (real agents don't), and keep out of step afterwards.
    start_spread_s = 2.0

    def on_start(self) -> None:
        token = os.environ.get("RELAIS_BENCH_TOKEN", "")
        if not token:
            raise RuntimeError("RELAIS_BENCH_TOKEN is not set (create one with `relais token create USER`)")
        self.client.headers["Authorization"] = f"Bearer {token}"
        gevent.sleep(random.uniform(0, self.start_spread_s))

    @task
    def ask(self) -> None:
        payload = {"question": random.choice(QUESTIONS), "conversation_id": None}
        with self.client.post("/api/v1/ask", json=payload, name="/api/v1/ask", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return
            try:
                body = response.json()
            except ValueError:
                response.failure("response is not JSON")
                return
            if not isinstance(body, dict) or "mode" not in body:
                response.failure("JSON without 'mode'")
            else:
                response.success()


class CapacityUser(AgentUser):
    """The same request at a fixed pace per user, for the capacity steps.

    Locust's `constant_throughput` counts its first period from the user's creation, so the random start
    would be cancelled and all users would ask in the same instant every period: this pacing counts from the
    user's first request instead. A late answer shortens the next pause (down to none), as with
    `constant_throughput`, without bursts to catch up.
    """

    period_s = 1.0 / float(os.environ.get("RELAIS_BENCH_USER_RATE", "1"))
    start_spread_s = period_s

    def on_start(self) -> None:
        super().on_start()
        self.next_at = time.monotonic()

    def wait_time(self) -> float:
        now = time.monotonic()
        self.next_at = max(self.next_at + self.period_s, now)
        return self.next_at - now
