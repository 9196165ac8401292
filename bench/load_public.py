"""Load benchmark of the citizens' assistant: anonymous visitors from many addresses, the limits on (issue 20).

The start-up is bench/load.py's (`prepare_data`, `Server`, `warm_up`): a fresh RELAIS_DATA_DIR with `relais demo`
(the town website's public pages and FAQ included), the demo users, an API token for agent.demo, then
`relais serve` (1 uvicorn worker, its log in --out/server.log) on a free port of 127.0.0.1. The server runs with
RELAIS_TRUSTED_PROXIES=127.0.0.1: locust, on the same machine, plays the reverse proxy and sends each visitor's
address in `X-Forwarded-For`. Every limit keeps its default — RELAIS_ASK_RATE_PER_IP 600 a minute,
RELAIS_PUBLIC_DAILY_PER_ADDRESS 50 and RELAIS_PUBLIC_DAILY_LIMIT 5000 a day — but RELAIS_ASK_RATE_PER_USER, set to
0 because all the simulated agents share one account (as in bench/load.py).

1. Agents alone: --agents `AgentUser`s (default 10, a question every 1-3 s each) for --agents-duration (30 s),
   the reference for phase 3 on the same machine at the same time.
2. Visitors: --visitors `VisitorUser`s (default 60; bench/locustfile.py: each visitor a new address, 1 to 4
   questions 2 to 8 s apart, by the API or the /citoyens/ form, from demo/public/questions.yaml and, one in
   ten, demo/public/adversarial.yaml) and one `AbusiveUser` (one address, --abusive-rate questions a second,
   default 3) for --duration (90 s).
3. Mixed: the agents, the visitors (new addresses) and a second abusive address together, --mixed-duration (60 s).

Checks: no visitor gets a 429 (none asks more than 4 questions); each abusive address gets an answer to its first
RELAIS_PUBLIC_DAILY_PER_ADDRESS (50) questions and a 429 for every one after; the agents are still answered
without error during the visitors' load. Prints the tables and a last line of JSON; the server is always stopped.
--untrusted-proxy is the control: without RELAIS_TRUSTED_PROXIES the server ignores the header, every user is
127.0.0.1, and the visitors are refused once 50 public questions were asked in all.

    .venv/bin/python bench/load_public.py [--visitors 60] [--agents 10] [--duration 90s] [--mixed-duration 60s]

CSV files and logs of each locust run, and the server log, go to --out (default bench/out/load-public/).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.load import Server, fmt, free_port, log, parse_duration, prepare_data, run_locust, warm_up  # noqa: E402

DAILY_PER_ADDRESS = 50  # RELAIS_PUBLIC_DAILY_PER_ADDRESS's default (docs/settings.md), left on for the server
# The server's defaults must hold: a value in the caller's environment would be passed on to the server.
DEFAULT_LIMITS = ("RELAIS_ASK_RATE_PER_IP", "RELAIS_PUBLIC_DAILY_PER_ADDRESS", "RELAIS_PUBLIC_DAILY_LIMIT")
SERVER_ENV = {"RELAIS_TRUSTED_PROXIES": "127.0.0.1", "RELAIS_ASK_RATE_PER_USER": "0"}
WARMUP_ADDRESS = "198.51.100.1"  # the public warm-up's own address: it counts neither for visitors nor abuser
PUBLIC_WARMUP = ["Quels sont les horaires de la mairie ?", "Combien coûte un repas à la cantine ?"]
VISITOR_NAMES = ("visitors: /api/v1/public/ask", "visitors: POST /citoyens/")
AGENT_NAME = "/api/v1/ask"


def warm_up_public(base_url: str) -> None:
    """The first public question searches the public collections: answer it before measuring."""
    for question in PUBLIC_WARMUP:
        request = urllib.request.Request(
            f"{base_url}/api/v1/public/ask",
            data=json.dumps({"question": question}).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "X-Forwarded-For": WARMUP_ADDRESS},
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise SystemExit(f"public warm-up failed: HTTP {exc.code} {exc.read(300)!r}") from exc
        if "mode" not in body:
            raise SystemExit(f"public warm-up: no 'mode' in {body!r}")


def abusive_summary(statuses: list[int], limit: int) -> dict:
    """Whether one address got answers to exactly its first `limit` questions and a 429 for every later one."""
    first_429 = statuses.index(429) + 1 if 429 in statuses else None
    expected = [200] * min(len(statuses), limit) + [429] * max(len(statuses) - limit, 0)
    return {
        "sent": len(statuses),
        "answered": statuses.count(200),
        "refused_429": statuses.count(429),
        "other": len(statuses) - statuses.count(200) - statuses.count(429),
        "first_429_at": first_429,
        "answered_after_first_429": statuses[first_429:].count(200) if first_429 else 0,
        "share_429_past_limit": round(statuses[limit:].count(429) / len(statuses[limit:]), 4)
        if len(statuses) > limit
        else None,
        "as_expected": statuses == expected,
    }


def visitors_summary(report: dict) -> dict:
    """The visitors' statuses from the locustfile's report: the share of 429s should be 0."""
    statuses = {key.split()[1]: n for key, n in report["statuses"].items() if key.startswith("visitors ")}
    total = sum(statuses.values())
    return {
        "requests": total,
        "statuses": statuses,
        "share_429": round(statuses.get("429", 0) / total, 4) if total else None,
        "addresses": report["visitor_addresses"],
        "max_questions_per_address": report["max_questions_per_address"],
    }


def run_phase(
    base_url: str, token: str, name: str, classes: list[str], users: int, seconds: int, out: Path, env: dict
) -> dict:
    """One locust run, with the locustfile's report of statuses read back."""
    report_path = out / f"{name}-report.json"
    env = {**env, "RELAIS_BENCH_REPORT": str(report_path)}
    figures = run_locust(base_url, token, classes, users, seconds, out / name, env)
    if "VisitorUser" in classes:
        figures["report"] = json.loads(report_path.read_text(encoding="utf-8")) if report_path.exists() else None
    return figures


def latency_rows(phase: str, figures: dict) -> list[str]:
    """Table rows of one phase: each request name with answered requests, then the refusals."""
    rows = []
    for name, row in sorted(figures["by_name"].items()):
        cells = [phase, name, str(row["requests"]), str(row["failures"]), fmt(row["rps"])]
        cells += [fmt(row["p50_ms"]), fmt(row["p95_ms"]), fmt(row["p99_ms"])]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def print_tables(result: dict) -> None:
    head = ["phase", "requests named", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for phase in ("agents_alone", "visitors", "mixed"):
        if phase in result:
            lines += latency_rows(phase.replace("_", " "), result[phase])
    print("\n" + "\n".join(lines) + "\n")
    for phase in ("visitors", "mixed"):
        if phase not in result:
            continue
        visitors, abusive = result[phase]["visitors"], result[phase]["abusive"]
        print(
            f"{phase}: {result[phase]['rps']:g} req/s in all; visitors {visitors['requests']} questions from "
            f"{visitors['addresses']} addresses (≤ {visitors['max_questions_per_address']} each), "
            f"429 share {visitors['share_429']}; abusive address {abusive['sent']} sent, {abusive['answered']} "
            f"answered, {abusive['refused_429']} × 429 (first at question {abusive['first_429_at'] or '—'}): "
            f"{'✔' if abusive['as_expected'] else '✘'} answers to the first {DAILY_PER_ADDRESS}, 429 after"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visitors", type=int, default=60, help="simulated visitors at a time (default 60)")
    parser.add_argument("--agents", type=int, default=10, help="simulated agents, phases 1 and 3 (default 10)")
    parser.add_argument("--abusive-rate", type=float, default=3.0, help="abusive address, req/s (default 3)")
    parser.add_argument("--agents-duration", type=parse_duration, default=30, help="agents alone (default 30s)")
    parser.add_argument("--duration", type=parse_duration, default=90, help="visitors (default 90s)")
    parser.add_argument("--mixed-duration", type=parse_duration, default=60, help="mixed (default 60s)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load-public", help="CSV and logs")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data folder")
    parser.add_argument(
        "--untrusted-proxy",
        action="store_true",
        help="control run: RELAIS_TRUSTED_PROXIES left empty, the visitors' addresses are not believed",
    )
    args = parser.parse_args()
    server_env = dict(SERVER_ENV)
    if args.untrusted_proxy:
        server_env.pop("RELAIS_TRUSTED_PROXIES")
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.iterdir():  # the previous run's files
        if old.is_file():
            old.unlink()

    data_dir = Path(tempfile.mkdtemp(prefix="relais-load-public-"))
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    for name in ("RELAIS_DEBUG", "RELAIS_TRUSTED_PROXIES", *DEFAULT_LIMITS):
        env.pop(name, None)
    server = None
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()},
        "server": {"workers": 1, "env": server_env},
    }
    try:
        log(f"data folder: {data_dir}")
        token = prepare_data(data_dir, env)
        server = Server({**env, **server_env}, free_port(), 1, args.out / "server.log")
        server.wait_ready()
        log(f"server: {server.base_url} (pid {server.process.pid})")
        warm_up(server.base_url, token)
        warm_up_public(server.base_url)
        run_phases(args, server.base_url, token, result)
        print_tables(result)
    finally:
        if server is not None:
            server.stop()
            log(f"server stopped (log: {server.log_path})")
        if args.keep_data:
            log(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    result["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(result, ensure_ascii=False))


def run_phases(args: argparse.Namespace, base_url: str, token: str, result: dict) -> None:
    if args.agents:
        log(f"agents alone: {args.agents} agents, {args.agents_duration} s …")
        result["agents_alone"] = run_phase(
            base_url, token, "agents-alone", ["AgentUser"], args.agents, args.agents_duration, args.out, {}
        )
    # Each phase its own addresses: the server's daily counts last the whole run.
    result["visitors"] = public_phase(args, base_url, token, "visitors", 0, args.duration, ("10.1", "203.0.113.66"))
    result["mixed"] = public_phase(
        args, base_url, token, "mixed", args.agents, args.mixed_duration, ("10.2", "203.0.113.67")
    )


def public_phase(
    args: argparse.Namespace, base_url: str, token: str, name: str, agents: int, seconds: int, addresses: tuple
) -> dict:
    """Visitors and one abusive address, with `agents` agents beside them; addresses: (visitors' prefix, abuser)."""
    prefix, abuser = addresses
    classes = (["MixedAgentUser"] if agents else []) + ["VisitorUser", "AbusiveUser"]
    time.sleep(2)  # let the previous phase's queue drain
    log(f"{name}: {args.visitors} visitors + 1 abusive address ({abuser}) + {agents} agents, {seconds} s …")
    env = {
        "RELAIS_BENCH_AGENTS": str(agents),
        "RELAIS_BENCH_ADDRESS_PREFIX": prefix,
        "RELAIS_BENCH_ABUSIVE_ADDRESS": abuser,
        "RELAIS_BENCH_ABUSIVE_RATE": str(args.abusive_rate),
    }
    figures = run_phase(base_url, token, name, classes, args.visitors + 1 + agents, seconds, args.out, env)
    report = figures.get("report") or {"statuses": {}, "visitor_addresses": 0, "max_questions_per_address": 0}
    figures["visitors"] = visitors_summary(report)
    figures["abusive"] = abusive_summary(report.pop("abusive_statuses", []), DAILY_PER_ADDRESS)
    figures["abusive"]["429_by_limit"] = report.get("abusive_429_by_limit", {})
    return figures


if __name__ == "__main__":
    main()
