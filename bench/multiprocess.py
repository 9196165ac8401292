"""Several processes, one truth: two app servers and two workers on one PostgreSQL behind nginx, under load.

What it runs, all on this machine, in a fresh temporary folder:

- a throwaway PostgreSQL cluster (tests/postgres.py), `relais migrate`, `relais demo`, N agent accounts (charter
  accepted, an API token each), tickets of the RH and DSI services sent by e-mail to a real SMTP peer (aiosmtpd)
  that records every message it receives;
- two `relais serve --no-worker` app servers and two `relais worker` processes;
- Debian's nginx in front (`proxy_next_upstream error timeout`: a request that cannot reach a dead server goes to
  the other one; one that reached it and died with it is not replayed, as for a non-idempotent POST);
- N simulated agents (asyncio + httpx): each signs in through the login form, then asks a question of
  demo/questions.yaml through the API about every --think seconds (exponential pauses), and passes one answer in
  --escalate to a human through the web form (« Transmettre », a ticket).

At --kill-at, one app server and one worker are killed with SIGKILL (no clean shutdown) and not restarted. At the
end the clients stop, the remaining worker drains the outbox, and the script compares what the clients were told
with the rows and the mailbox:

- lost exchanges: answers a client received (HTTP 200 with an exchange id) whose row is missing;
- tickets lost: tickets a client was told were sent (302 to its conversation) with no row, or with no e-mail;
- tickets sent twice: a ticket reference found in more than one e-mail.

    .venv/bin/python bench/multiprocess.py [--duration 600] [--agents 200] [--kill-at 300] [--think 30]

Prints a table and a last line of JSON. Every process is stopped at the end. Needs the postgres extra, the dev extra
(aiosmtpd) and Debian's nginx and postgresql (`make test` installs them).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.postgres import throwaway_postgres  # noqa: E402

PASSWORD = "banc-de-charge-2026"
CACHE_NAME = "embedding-cache.sqlite3"
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SETUP_SCRIPT = """
import json
from django.contrib.auth import get_user_model
from relais.accounts.charter import accept, current_charter
from relais.accounts.models import ApiToken
charter, tokens = current_charter(), {}
for n in range(AGENTS):
    user = get_user_model().objects.create_user(f"banc.agent{n:03d}", password=PASSWORD)
    if charter:
        accept(user, charter)
    tokens[user.username] = ApiToken.objects.create_for(user, "banc")[1]
print(json.dumps(tokens))
"""
CHECK_SCRIPT = """
import json
from django_tasks_db.models import DBTaskResult
from relais.assistant.models import Exchange
from relais.helpdesk.models import Ticket
print(json.dumps({
    "exchanges": list(Exchange.objects.values_list("pk", flat=True)),
    "tickets": {ticket.pk: ticket.reference for ticket in Ticket.objects.all()},
    "tasks_waiting": DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count(),
}))
"""


class Mailbox:
    """The SMTP peer's handler: every message's subject, as received."""

    def __init__(self) -> None:
        self.subjects: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        text = envelope.content.decode("utf-8", errors="replace")
        subject = next((line for line in text.splitlines() if line.lower().startswith("subject:")), "")
        self.subjects.append(subject)
        return "250 OK"


@dataclass
class Tally:
    samples: list[str] = field(default_factory=list)  # the first few error answers, for the log
    latencies_ms: list[float] = field(default_factory=list)
    exchanges: set[int] = field(default_factory=set)
    tickets: set[int] = field(default_factory=set)
    errors: Counter = field(default_factory=Counter)
    asked_after_kill: int = 0
    errors_after_kill: int = 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def relais(env: dict, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "relais"), *args], env=env, input=stdin, capture_output=True, text=True
    )
    if done.returncode:
        raise SystemExit(f"relais {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def nginx_conf(folder: Path, port: int, servers: list[int]) -> Path:
    upstream = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=30s;" for p in servers)
    conf = folder / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
  fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
  upstream relais {{
{upstream}
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://relais;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_set_header X-Request-ID $request_id;
      proxy_next_upstream error timeout;
      proxy_read_timeout 60s;
    }}
  }}
}}
""",
        encoding="utf-8",
    )
    return conf


def wait_for(url: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


async def agent(
    base: str, username: str, token: str, questions: list[str], args, tally: Tally, killed: asyncio.Event
) -> None:
    rng = random.Random(username)
    async with httpx.AsyncClient(base_url=base, timeout=60, follow_redirects=False) as client:
        await asyncio.sleep(rng.uniform(0, args.think))
        page = await client.get("/connexion/")
        csrf = CSRF_FIELD.search(page.text).group(1)
        await client.post("/connexion/", data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": csrf})
        while not args.stop.is_set():
            question = rng.choice(questions)
            start = time.monotonic()
            try:
                response = await client.post(
                    "/api/v1/ask", json={"question": question}, headers={"Authorization": f"Bearer {token}"}
                )
                outcome = response.status_code
            except httpx.HTTPError as exc:
                response, outcome = None, type(exc).__name__
            tally.latencies_ms.append((time.monotonic() - start) * 1000)
            tally.asked_after_kill += killed.is_set()
            if outcome != 200:
                tally.errors[f"ask {outcome}"] += 1
                if response is not None and len(tally.samples) < 5:
                    tally.samples.append(f"{outcome} {response.headers.get('x-request-id', '')} {response.text[:300]}")
                tally.errors_after_kill += killed.is_set()
            elif (exchange := response.json().get("exchange_id")) is not None:
                tally.exchanges.add(exchange)
                if rng.random() < args.escalate:
                    await escalate(client, exchange, tally)
            pause = rng.expovariate(1 / args.think)
            with suppress(TimeoutError):
                await asyncio.wait_for(args.stop.wait(), timeout=pause)


async def escalate(client: httpx.AsyncClient, exchange: int, tally: Tally) -> None:
    try:
        form = await client.get(f"/echanges/{exchange}/transmettre/")
        csrf = CSRF_FIELD.search(form.text).group(1)
        service = rng_service(form.text)
        sent = await client.post(
            f"/echanges/{exchange}/transmettre/",
            data={
                "csrfmiddlewaretoken": csrf,
                "title": "Question du banc de charge",
                "description": "Merci de me rappeler à ce sujet.",
                "service": service,
                "category": "",
                "urgency": "2",
            },
        )
    except (httpx.HTTPError, AttributeError) as exc:
        tally.errors[f"ticket {type(exc).__name__}"] += 1
        if len(tally.samples) < 10:
            tally.samples.append(f"ticket form {exc!r} {form.status_code if 'form' in locals() else ''}")
        return
    ticket = re.search(r"#demande-(\d+)$", sent.headers.get("location", ""))
    if sent.status_code == 302 and ticket:
        tally.tickets.add(int(ticket.group(1)))
    else:
        tally.errors[f"ticket {sent.status_code}"] += 1


def rng_service(form_html: str) -> str:
    """RH or DSI, both sent by e-mail in this bench, whichever the form offers first."""
    offered = re.findall(r'<option value="(RH|DSI)"', form_html)
    return offered[0] if offered else "DSI"


async def load(base: str, tokens: dict, questions: list[str], args, kill) -> Tally:
    tally, killed = Tally(), asyncio.Event()
    args.stop = asyncio.Event()
    agents = [
        asyncio.create_task(agent(base, name, token, questions, args, tally, killed)) for name, token in tokens.items()
    ]
    await asyncio.sleep(args.kill_at)
    kill()
    killed.set()
    await asyncio.sleep(max(0.0, args.duration - args.kill_at))
    args.stop.set()
    await asyncio.gather(*agents, return_exceptions=True)
    return tally


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=600, help="seconds of load (default 600)")
    parser.add_argument("--agents", type=int, default=200)
    parser.add_argument("--kill-at", type=float, default=300, help="seconds into the run (default 300)")
    parser.add_argument("--think", type=float, default=30, help="mean seconds between two questions of an agent")
    parser.add_argument("--escalate", type=float, default=0.1, help="share of answers passed to a human")
    args = parser.parse_args()
    questions = [str(q["question"]) for q in yaml.safe_load((ROOT / "demo" / "questions.yaml").read_text())]

    with ExitStack() as stack, throwaway_postgres() as url:
        folder = Path(tempfile.mkdtemp(prefix="relais-multi-"))
        stack.callback(shutil.rmtree, folder, ignore_errors=True)
        cached = ROOT / "data" / CACHE_NAME
        if cached.exists():
            shutil.copy(cached, folder / CACHE_NAME)  # the demo's embeddings, when `make run` computed them
        mailbox = Mailbox()
        smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
        smtp.start()
        stack.callback(smtp.stop)
        env = {
            **os.environ,
            "RELAIS_DATA_DIR": str(folder),
            "RELAIS_DATABASE_URL": url,
            "RELAIS_HELPDESK_SERVICES": "RH=email,DSI=email",
            "RELAIS_HELPDESK_MAILBOXES": "RH=rh@valdebrume.test,DSI=dsi@valdebrume.test",
            "RELAIS_SMTP_HOST": "127.0.0.1",
            "RELAIS_SMTP_PORT": str(smtp.port),
            "RELAIS_ASK_RATE_PER_IP": "0",  # every simulated agent comes from 127.0.0.1
            "RELAIS_TRUSTED_PROXIES": "127.0.0.1",
            "OMP_WAIT_POLICY": "passive",
        }
        env.pop("DJANGO_SETTINGS_MODULE", None)
        started = time.monotonic()
        relais(env, "migrate", "--verbosity", "0")
        relais(env, "demo")
        setup = SETUP_SCRIPT.replace("AGENTS", str(args.agents)).replace("PASSWORD", repr(PASSWORD))
        tokens = json.loads(relais(env, "shell", "-c", setup).strip().splitlines()[-1])
        print(f"set-up: {time.monotonic() - started:.0f} s ({len(tokens)} agents)", flush=True)

        ports = [free_port(), free_port()]
        processes: dict[str, subprocess.Popen] = {}
        logs = ROOT / "bench" / "out" / "multiprocess" / time.strftime("%Y%m%d-%H%M%S")
        logs.mkdir(parents=True)
        print(f"logs: {logs}", flush=True)
        for n, port in enumerate(ports, 1):
            serve = ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)]
            processes[f"server{n}"] = spawn(env, serve, logs / f"server{n}.log")
        for n in (1, 2):
            processes[f"worker{n}"] = spawn(env, ["worker", "--sweep", "10"], logs / f"worker{n}.log")
        stack.callback(stop_all, processes)
        for port in ports:
            wait_for(f"http://127.0.0.1:{port}/connexion/")
        front = free_port()
        conf = nginx_conf(folder, front, ports)
        processes["nginx"] = subprocess.Popen(
            ["nginx", "-p", str(folder), "-c", str(conf), "-g", "daemon off;"], stderr=subprocess.DEVNULL
        )
        stack.callback(lambda: shutil.copy(folder / "nginx-error.log", logs / "nginx-error.log"))
        base = f"http://127.0.0.1:{front}"
        wait_for(f"{base}/connexion/")

        def kill() -> None:
            for name in ("server1", "worker1"):
                processes[name].send_signal(signal.SIGKILL)
            print(f"t={args.kill_at:.0f} s: server1 and worker1 killed (SIGKILL)", flush=True)

        tally = asyncio.run(load(base, tokens, questions, args, kill))
        rows = drain(env)
        report(args, tally, rows, mailbox)
        (logs / "error-samples.txt").write_text("\n".join(tally.samples), encoding="utf-8")
    return 0


def spawn(env: dict, args: list[str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen([str(ROOT / ".venv" / "bin" / "relais"), *args], env=env, stdout=out, stderr=out)


def stop_all(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    for process in processes.values():
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def drain(env: dict, seconds: float = 180) -> dict:
    """Wait for the remaining worker to empty the queue, then read the rows."""
    deadline = time.monotonic() + seconds
    while True:
        rows = json.loads(relais(env, "shell", "-c", CHECK_SCRIPT).strip().splitlines()[-1])
        if rows["tasks_waiting"] == 0 or time.monotonic() > deadline:
            return rows
        time.sleep(5)


def report(args, tally: Tally, rows: dict, mailbox: Mailbox) -> None:
    references = {int(pk): reference for pk, reference in rows["tickets"].items()}
    mails = Counter(
        reference for subject in mailbox.subjects for reference in re.findall(r"\[Relais ([^\]]+)\]", subject)
    )
    lost_exchanges = sorted(tally.exchanges - set(rows["exchanges"]))
    tickets_without_row = sorted(tally.tickets - set(references))
    tickets_without_mail = sorted(pk for pk in tally.tickets & set(references) if mails[references[pk]] == 0)
    sent_twice = sorted(reference for reference, count in mails.items() if count > 1)
    figures = {
        "machine": f"{platform.node()} ({os.cpu_count()} cores)",
        "agents": args.agents,
        "duration_s": args.duration,
        "questions": len(tally.latencies_ms),
        "questions_per_s": round(len(tally.latencies_ms) / args.duration, 2),
        "p50_ms": round(statistics.median(tally.latencies_ms), 1) if tally.latencies_ms else None,
        "p95_ms": round(percentile(tally.latencies_ms, 0.95), 1),
        "errors": dict(tally.errors),
        "questions_after_kill": tally.asked_after_kill,
        "errors_after_kill": tally.errors_after_kill,
        "answers_received": len(tally.exchanges),
        "lost_exchanges": len(lost_exchanges),
        "tickets_sent": len(tally.tickets),
        "tickets_without_row": len(tickets_without_row),
        "tickets_without_mail": len(tickets_without_mail),
        "tickets_mailed_twice": len(sent_twice),
        "tasks_left_in_queue": rows["tasks_waiting"],
    }
    for name, value in figures.items():
        print(f"{name:>22}  {value}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
