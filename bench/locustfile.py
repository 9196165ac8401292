"""Locust users for the load benchmarks of `POST /api/v1/ask` (bench/load.py) and of the citizens' assistant
(bench/load_public.py).

    RELAIS_BENCH_TOKEN=rls_… locust -f bench/locustfile.py --headless -u 20 -r 20 -t 60s \
        --host http://127.0.0.1:8000 AgentUser

User classes, picked by name on the command line:

- `AgentUser`: an agent asking a random question of demo/questions.yaml, then thinking 1 to 3 s.
- `CapacityUser`: the same question, at a fixed pace of RELAIS_BENCH_USER_RATE requests per second per user
  (default 1; constant throughput: a slow answer shortens the pause instead of adding to it). The offered
  load is then users × rate, which bench/load.py steps up to find the capacity.
- `MixedAgentUser`: an `AgentUser` spawned exactly RELAIS_BENCH_AGENTS times beside the visitors.
- `VisitorUser`: anonymous visitors, one after the other: each comes from a new address (sent as
  `X-Forwarded-For`, which the server believes only from RELAIS_TRUSTED_PROXIES), asks 1 to 4 questions 2 to 8 s
  apart, through `POST /api/v1/public/ask` or, for RELAIS_BENCH_FORM_SHARE of them (default 0.25), the
  `/citoyens/` form (a GET of the page first). Questions: demo/public/questions.yaml (answerable or not), and
  RELAIS_BENCH_ADVERSARIAL_SHARE (default 0.1) from demo/public/adversarial.yaml.
- `AbusiveUser`: one address (RELAIS_BENCH_ABUSIVE_ADDRESS) asking the public API RELAIS_BENCH_ABUSIVE_RATE times
  a second (default 3), far beyond its daily limit.

Visitors' and the abusive address's requests are named by outcome (« visitors: … », « abusive: answered »,
« abusive: 429 »), so that locust's percentiles of answered requests leave the cheap refusals out. A visitor's 429
is a failure; the abusive address's 429s are expected (bench/load_public.py checks they all come past its limit).
With RELAIS_BENCH_REPORT set, the run writes there, when it stops, the statuses per group, the questions per
visitor address and the abusive address's statuses in order.

Each user starts after a random part of its cycle (locust starts `-r` users at the same instant), so that the
load is spread over time as with real agents instead of arriving in synchronised bursts.

Environment: RELAIS_BENCH_TOKEN (an API token `rls_…`, required by the agents), RELAIS_BENCH_QUESTIONS (default
demo/questions.yaml), RELAIS_BENCH_USER_RATE (CapacityUser only), RELAIS_BENCH_ADDRESS_PREFIX (the visitors'
addresses, default 10.1: 10.1.x.y), and the variables named above.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from collections import Counter
from pathlib import Path

import gevent
import yaml
from locust import HttpUser, between, events, task

ROOT = Path(__file__).resolve().parents[1]


def load_questions(path: Path) -> list[str]:
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    questions = [str(entry["question"]) for entry in entries if isinstance(entry, dict) and entry.get("question")]
    if not questions:
        raise SystemExit(f"No question in {path}")
    return questions


QUESTIONS = load_questions(Path(os.environ.get("RELAIS_BENCH_QUESTIONS", ROOT / "demo" / "questions.yaml")))
PUBLIC_QUESTIONS = load_questions(ROOT / "demo" / "public" / "questions.yaml")
ADVERSARIAL_QUESTIONS = load_questions(ROOT / "demo" / "public" / "adversarial.yaml")


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


class MixedAgentUser(AgentUser):
    """The agents of a mixed run: exactly RELAIS_BENCH_AGENTS of them, the other users being visitors."""

    fixed_count = int(os.environ.get("RELAIS_BENCH_AGENTS", "0"))


# What the public users saw, written to RELAIS_BENCH_REPORT when the run stops (see write_report).
STATUSES: Counter[str] = Counter()  # "group status" -> requests
QUESTIONS_PER_ADDRESS: Counter[str] = Counter()
ABUSIVE_STATUSES: list[int] = []  # in the order the requests were sent (one user: one at a time)
ABUSIVE_429_BY_LIMIT: Counter[str] = Counter()  # the abusive address's 429s by limit: "day" or "minute"
_ADDRESSES = itertools.count()
ANSWERED_PAGE = "Réponse à votre question"  # the /citoyens/ page's title once it shows an answer
DAILY_LIMIT_WORDS = "avant demain"  # in throttle.TOO_MANY_TODAY, not in the per-minute TOO_MANY
# Visitors reach Relais through the reverse proxy, which opens a fresh connection for each request (the shipped
# nginx site has no keepalive pool): the public users send `Connection: close`. Kept alive, a connection idle for
# the visitor's 2-8 s pause races uvicorn's 5 s keep-alive timeout, and the request sent as the server closes it
# fails on the client (HTTP 0) without ever reaching the server: an artefact of the bench, not of Relais.
THROUGH_THE_PROXY = {"Connection": "close"}


def visitor_address() -> str:
    """A new address of RELAIS_BENCH_ADDRESS_PREFIX.x.y for each visitor (65,000 before they repeat)."""
    prefix = os.environ.get("RELAIS_BENCH_ADDRESS_PREFIX", "10.1")
    n = next(_ADDRESSES)
    return f"{prefix}.{n // 254 % 254 + 1}.{n % 254 + 1}"


def has_mode(response) -> bool:
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "mode" in body


def public_question() -> str:
    share = float(os.environ.get("RELAIS_BENCH_ADVERSARIAL_SHARE", "0.1"))
    return random.choice(ADVERSARIAL_QUESTIONS if random.random() < share else PUBLIC_QUESTIONS)


class VisitorUser(HttpUser):
    """Anonymous visitors, one after the other: each a new address, 1 to 4 questions, by the API or the form."""

    wait_time = between(2, 8)
    form_share = float(os.environ.get("RELAIS_BENCH_FORM_SHARE", "0.25"))

    def on_start(self) -> None:
        self.remaining = 0
        gevent.sleep(random.uniform(0, 8))  # spread the first questions as the pauses do afterwards

    def arrive(self) -> None:
        """A new visitor takes this user's place."""
        self.address = visitor_address()
        self.remaining = random.randint(1, 4)
        self.by_form = random.random() < self.form_share
        self.client.headers["X-Forwarded-For"] = self.address
        self.client.headers.update(THROUGH_THE_PROXY)
        if self.by_form:
            with self.client.get("/citoyens/", name="visitors: GET /citoyens/", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code} {response.error or ''}")

    @task
    def ask(self) -> None:
        if self.remaining == 0:
            self.arrive()
        self.remaining -= 1
        QUESTIONS_PER_ADDRESS[self.address] += 1
        if self.by_form:
            self.ask_by_form(public_question())
        else:
            self.ask_by_api(public_question())

    def ask_by_api(self, question: str) -> None:
        name = "visitors: /api/v1/public/ask"
        with self.client.post("/api/v1/public/ask", json={"question": question}, name=name, catch_response=True) as r:
            judge_visitor(r, has_mode(r), "no JSON with 'mode'")

    def ask_by_form(self, question: str) -> None:
        with self.client.post(
            "/citoyens/", data={"question": question}, name="visitors: POST /citoyens/", catch_response=True
        ) as r:
            judge_visitor(r, r.status_code == 200 and ANSWERED_PAGE in r.text, "the page shows no answer")


def judge_visitor(r, answered: bool, unanswered: str) -> None:
    """One visitor's question, by the API or the form: counted by status; a 429 is a failure of its own (a
    visitor within the limits is never refused), named apart so that the answered requests' latency leaves it out."""
    STATUSES[f"visitors {r.status_code}"] += 1
    if r.status_code == 429:
        r.request_meta["name"] = "visitors: 429"
        r.failure("HTTP 429 for a visitor within the limits")
    elif r.status_code != 200:
        r.failure(f"HTTP {r.status_code} {r.error or ''}")
    elif not answered:
        r.failure(unanswered)


class AbusiveUser(HttpUser):
    """One address asking the public API at a fixed pace, far beyond its daily limit."""

    fixed_count = 1
    period_s = 1.0 / float(os.environ.get("RELAIS_BENCH_ABUSIVE_RATE", "3"))

    def on_start(self) -> None:
        self.client.headers["X-Forwarded-For"] = os.environ.get("RELAIS_BENCH_ABUSIVE_ADDRESS", "203.0.113.66")
        self.client.headers.update(THROUGH_THE_PROXY)
        self.next_at = time.monotonic()

    def wait_time(self) -> float:
        now = time.monotonic()
        self.next_at = max(self.next_at + self.period_s, now)
        return self.next_at - now

    @task
    def ask(self) -> None:
        payload = {"question": public_question()}
        with self.client.post("/api/v1/public/ask", json=payload, name="abusive", catch_response=True) as r:
            ABUSIVE_STATUSES.append(r.status_code)
            if r.status_code == 200:
                r.request_meta["name"] = "abusive: answered"
            elif r.status_code == 429:
                r.request_meta["name"] = "abusive: 429"
                ABUSIVE_429_BY_LIMIT["day" if DAILY_LIMIT_WORDS in r.text else "minute"] += 1
                r.success()  # expected past the limit: load_public.py checks where they start
            else:
                r.failure(f"HTTP {r.status_code} {r.error or ''}")


@events.test_stop.add_listener
def write_report(**_kwargs) -> None:
    path = os.environ.get("RELAIS_BENCH_REPORT")
    if not path:
        return
    report = {
        "statuses": dict(STATUSES),
        "visitor_addresses": len(QUESTIONS_PER_ADDRESS),
        "max_questions_per_address": max(QUESTIONS_PER_ADDRESS.values(), default=0),
        "abusive_statuses": ABUSIVE_STATUSES,
        "abusive_429_by_limit": dict(ABUSIVE_429_BY_LIMIT),
    }
    Path(path).write_text(json.dumps(report), encoding="utf-8")
