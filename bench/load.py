"""Load benchmark of `POST /api/v1/ask`: locust (headless) against the real ASGI server, demo knowledge.

Everything happens in a fresh temporary data folder (RELAIS_DATA_DIR): `relais demo`, `relais warm` (the sentences
the reader may quote embedded in advance, as the worker does after an ingestion; --cold skips it), `relais users
load demo/users.yaml`, an API token for agent.demo, then `relais serve` (uvicorn) on a free port of 127.0.0.1,
warmed up with a few questions. Then:

1. Agents: N users (default 20) each asking a random question of demo/questions.yaml, then waiting 1 to 3 s
   (`AgentUser` of bench/locustfile.py), for --duration (default 60 s). Targets: p50 ≤ 50 ms, p95 ≤ 150 ms,
   no error.
2. Capacity (unless --skip-capacity): `CapacityUser`s each asking once per second (constant throughput from a
   random start), as many users as the target rate (--rates, req/s), --step-duration each (default 30 s), until
   p95 reaches --p95-limit (500 ms) or a request fails. The capacity is the highest *achieved* rate of a step
   whose p95 stayed under the limit without error.

Locust runs on the same machine as the server: on 2 cores it takes a share of the CPU, as the agents' browsers
would not. --server-env passes variables to the server only (e.g. OMP_WAIT_POLICY=passive for the embedder's
OpenMP threads, which spin-wait by default and suffer when the cores are shared).

Prints a table, and a last line of JSON with every figure. The server is always stopped at the end.

    .venv/bin/python bench/load.py [--duration 60s] [--users 20] [--skip-capacity] [--rates 10,20,40] [--cold]

The demo's embeddings are cached: `./data/embedding-cache.sqlite3` or, else, the copy this script keeps in
bench/out/ is copied into the temporary folder first, so only the first run embeds the demo documents (~2 min).
CSV files and logs of each locust run go to --out (default bench/out/load/). bench/load_public.py reuses this
start-up for the citizens' assistant (anonymous visitors from many addresses, the limits on).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
CACHE_NAME = "embedding-cache.sqlite3"  # as named by src/relais/knowledge/ingestion.py
CACHE_SOURCES = [ROOT / "data" / CACHE_NAME, ROOT / "bench" / "out" / CACHE_NAME]
KEPT_CACHE = ROOT / "bench" / "out" / CACHE_NAME
WARMUP_QUESTIONS = [
    "Comment poser un jour de congé ?",
    "J'ai oublié mon mot de passe, que faire ?",
    "Qui rembourse les frais de déplacement ?",
    "Combien de jours de télétravail par semaine ?",
    "Quelle est la couleur du cheval blanc d'Henri IV ?",
]
TARGET_P50_MS = 50.0
TARGET_P95_MS = 150.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_duration(text: str) -> int:
    """'60', '60s', '2m', '1m30s' -> seconds."""
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?", text.strip())
    if not match or not any(match.groups()):
        raise argparse.ArgumentTypeError(f"invalid duration {text!r} (e.g. 60s, 2m)")
    hours, minutes, seconds = (int(group or 0) for group in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise argparse.ArgumentTypeError("the duration must be positive")
    return total


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def relais(env: dict[str, str], *args: str) -> str:
    """Run a `relais` command (this Python's), return its stdout; its output goes to the log on failure."""
    command = [sys.executable, "-m", "relais.cli", *args]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        log(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"`relais {' '.join(args)}` failed (exit {done.returncode})")
    return done.stdout


def post_ask(base_url: str, token: str, question: str, timeout: float = 30.0) -> tuple[int, dict | None]:
    body = json.dumps({"question": question, "conversation_id": None}).encode()
    request = urllib.request.Request(
        f"{base_url}/api/v1/ask",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, {"error_body": exc.read(300).decode("utf-8", "replace")}


class Server:
    """`relais serve` as a subprocess in its own process group (uvicorn may fork workers)."""

    def __init__(self, env: dict[str, str], port: int, workers: int, log_path: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self._log = log_path.open("w", encoding="utf-8")
        command = [sys.executable, "-m", "relais.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited (code {self.process.returncode}):\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/api/v1/openapi.json", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # it answers, even if with an error status
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"the server did not answer within {timeout:.0f} s:\n{self.tail()}")

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


def number(value: str) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None  # locust writes "N/A" when nothing was measured


def run_locust(
    base_url: str,
    token: str,
    user_class: str | list[str],
    users: int,
    seconds: int,
    prefix: Path,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """One headless locust run of one or several user classes; returns the figures of its "Aggregated" row,
    and those of each request name under "by_name"."""
    env = {**os.environ, "RELAIS_BENCH_TOKEN": token, **(extra_env or {})}
    classes = [user_class] if isinstance(user_class, str) else user_class
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "-u", str(users)]
    command += ["-r", str(users), "-t", f"{seconds}s", "--host", base_url, "--csv", str(prefix)]
    command += ["--only-summary", "--loglevel", "WARNING", *classes]
    log_path = prefix.with_name(prefix.name + ".log")
    with log_path.open("w", encoding="utf-8") as out:
        done = subprocess.run(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=seconds + 120)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    stats_path = prefix.with_name(prefix.name + "_stats.csv")
    if not stats_path.exists():
        log(output[-4000:])
        raise SystemExit(f"locust wrote no {stats_path.name} (exit {done.returncode})")
    with stats_path.open(newline="", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    row = rows.get("Aggregated")
    if row is None:
        raise SystemExit(f"no 'Aggregated' row in {stats_path}")
    # Exit code 1 only means some requests failed: the figures say how many.
    if done.returncode not in (0, 1):
        log(output[-4000:])
        raise SystemExit(f"locust failed (exit {done.returncode})")
    failures = []
    failures_path = prefix.with_name(prefix.name + "_failures.csv")
    if failures_path.exists():
        with failures_path.open(newline="", encoding="utf-8") as handle:
            failures = [f"{r['Occurrences']}× {r['Error']}" for r in csv.DictReader(handle)]
    by_name = {name: stats_figures(r) for name, r in rows.items() if name != "Aggregated"}
    return {
        "users": users,
        "seconds": seconds,
        **stats_figures(row),
        "by_name": by_name,
        "errors": failures[:5],
        "client_cpu_warning": "CPU usage above" in output,
    }


def stats_figures(row: dict[str, str]) -> dict:
    """The figures of one row of locust's _stats.csv."""
    return {
        "requests": int(row["Request Count"]),
        "failures": int(row["Failure Count"]),
        "rps": round(number(row["Requests/s"]) or 0.0, 2),
        "p50_ms": number(row["50%"]),
        "p95_ms": number(row["95%"]),
        "p99_ms": number(row["99%"]),
        "avg_ms": round(number(row["Average Response Time"]) or 0.0, 1),
        "max_ms": number(row["Max Response Time"]),
    }


def fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:g}"


def table(rows: list[dict], first: str) -> str:
    head = [first, "users", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    lines = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for r in rows:
        cells = [r["label"], str(r["users"]), str(r["requests"]), str(r["failures"]), fmt(r["rps"])]
        cells += [fmt(r["p50_ms"]), fmt(r["p95_ms"]), fmt(r["p99_ms"]), fmt(r["max_ms"])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def prepare_data(data_dir: Path, env: dict[str, str], warm: bool = True) -> str:
    """Demo knowledge (its sentences warmed unless ``warm`` is false), demo users and a token in data_dir; returns
    the token."""
    source = next((path for path in CACHE_SOURCES if path.is_file()), None)
    if source is not None:
        shutil.copy2(source, data_dir / CACHE_NAME)
        log(f"embedding cache copied from {source.relative_to(ROOT)}")
    else:
        log("no embedding cache to reuse: the demo documents are embedded (about 2 minutes on 2 cores)")
    started = time.monotonic()
    relais(env, "demo")
    log(f"relais demo: {time.monotonic() - started:.0f} s")
    if warm:  # what the worker does in the background after an ingestion, done before measuring
        started = time.monotonic()
        relais(env, "warm")
        log(f"relais warm: {time.monotonic() - started:.0f} s")
    if (data_dir / CACHE_NAME).is_file():
        KEPT_CACHE.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(data_dir / CACHE_NAME, KEPT_CACHE)  # for the next run
    relais(env, "users", "load", str(ROOT / "demo" / "users.yaml"))
    relais(env, "users", "accept-charter", "agent.demo")  # the API refuses users who have not accepted it
    tokens = [line for line in relais(env, "token", "create", "agent.demo", "--name", "bench").split() if line]
    token = next((t for t in reversed(tokens) if t.startswith("rls_")), None)
    if token is None:
        raise SystemExit("`relais token create` printed no token")
    return token


def warm_up(base_url: str, token: str) -> list[float]:
    """A few asks: the first search loads the index and the embedder."""
    timings = []
    for question in WARMUP_QUESTIONS:
        started = time.perf_counter()
        status, body = post_ask(base_url, token, question, timeout=120)
        timings.append(round((time.perf_counter() - started) * 1000, 1))
        if status != 200 or not body or "mode" not in body:
            raise SystemExit(
                f"warm-up ask failed: HTTP {status}, {body!r} (rerun with --keep-data, then try "
                "`RELAIS_DATA_DIR=<folder> relais ask …` to see the error)"
            )
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=parse_duration, default=60, help="agents phase (default 60s)")
    parser.add_argument("--users", type=int, default=20, help="simulated agents (default 20)")
    parser.add_argument("--skip-capacity", action="store_true", help="only the agents phase")
    parser.add_argument(
        "--cold", action="store_true", help="skip `relais warm`: the reader embeds its sentences during the requests"
    )
    parser.add_argument("--rates", default="10,20,25,30,35,40,50,60,80,100,120", help="capacity steps, req/s")
    parser.add_argument("--step-duration", type=parse_duration, default=30, help="each capacity step (default 30s)")
    parser.add_argument("--p95-limit", type=float, default=500.0, help="capacity: p95 limit in ms (default 500)")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (default 1)")
    parser.add_argument(
        "--server-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment variable for the server only, e.g. OMP_WAIT_POLICY=passive (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "load", help="locust CSV and logs")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary data folder")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",") if r.strip()]
    # All simulated agents share one account and one address: the per-user and per-address limits
    # (RELAIS_ASK_RATE_*) would answer 429 to what is, here, a capacity test; --server-env can set them back.
    server_env = {"RELAIS_ASK_RATE_PER_USER": "0", "RELAIS_ASK_RATE_PER_IP": "0"}
    server_env.update(dict(item.split("=", 1) for item in args.server_env if "=" in item))
    args.out.mkdir(parents=True, exist_ok=True)
    for pattern in ("agents*", "capacity-*", "server.log"):  # this script's files of a previous run
        for old in args.out.glob(pattern):
            old.unlink()

    data_dir = Path(tempfile.mkdtemp(prefix="relais-load-"))
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("RELAIS_DEBUG", None)
    server = None
    result: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "server": {"workers": args.workers, "env": server_env},
    }
    try:
        log(f"data folder: {data_dir}")
        token = prepare_data(data_dir, env, warm=not args.cold)
        server = Server({**env, **server_env}, free_port(), args.workers, args.out / "server.log")
        server.wait_ready()
        log(f"server: {server.base_url} (pid {server.process.pid})")
        warmup = warm_up(server.base_url, token)
        log(f"warm-up asks (ms): {warmup}")
        result["warmup_ms"] = warmup

        log(f"agents: {args.users} users, wait 1-3 s, {args.duration} s …")
        agents = run_locust(server.base_url, token, "AgentUser", args.users, args.duration, args.out / "agents")
        agents["label"] = "agents, wait 1-3 s"
        agents["targets_met"] = {
            "p50": agents["p50_ms"] is not None and agents["p50_ms"] <= TARGET_P50_MS,
            "p95": agents["p95_ms"] is not None and agents["p95_ms"] <= TARGET_P95_MS,
            "errors": agents["failures"] == 0 and agents["requests"] > 0,
        }
        result["agents"] = agents
        print(f"\nAgents: {args.users} simulated agents, one question every 1-3 s each, {args.duration} s\n")
        print(table([agents], "phase"))
        met = agents["targets_met"]
        print(
            f"\ntargets: p50 ≤ {TARGET_P50_MS:g} ms {'✔' if met['p50'] else '✘'} · "
            f"p95 ≤ {TARGET_P95_MS:g} ms {'✔' if met['p95'] else '✘'} · 0 errors {'✔' if met['errors'] else '✘'}"
        )
        if agents["errors"]:
            print("errors: " + "; ".join(agents["errors"]))
        if agents["client_cpu_warning"]:
            print("note: locust reported its own CPU above 90 % (it shares the cores with the server)")

        if not args.skip_capacity:
            steps = []
            best = None
            for rate in rates:
                time.sleep(2)  # let the previous step's queue drain
                log(f"capacity step: {rate} req/s offered ({rate} users × 1 req/s), {args.step_duration} s …")
                step = run_locust(
                    server.base_url,
                    token,
                    "CapacityUser",
                    rate,
                    args.step_duration,
                    args.out / f"capacity-{rate}",
                    {"RELAIS_BENCH_USER_RATE": "1"},
                )
                step["target_rps"] = rate
                step["label"] = f"{rate} req/s offered"
                step["ok"] = (
                    step["failures"] == 0
                    and step["requests"] > 0
                    and step["p95_ms"] is not None
                    and step["p95_ms"] < args.p95_limit
                )
                steps.append(step)
                log(f"  → {step['rps']} req/s, p95 {fmt(step['p95_ms'])} ms, {step['failures']} failures")
                if not step["ok"]:
                    break
                if best is None or step["rps"] > best["rps"]:
                    best = step
            result["capacity"] = {
                "p95_limit_ms": args.p95_limit,
                "step_seconds": args.step_duration,
                "steps": steps,
                "max_rps": best["rps"] if best else None,
                "max_rps_offered": best["target_rps"] if best else None,
                "max_rps_p95_ms": best["p95_ms"] if best else None,
                "limit_reached": bool(steps) and not steps[-1]["ok"],
            }
            print(f"\nCapacity: 1 req/s per user, {args.step_duration} s per step, until p95 ≥ {args.p95_limit:g} ms")
            print(f"or an error\n\n{table(steps, 'step')}\n")
            if best is None:
                print(f"capacity: no step kept p95 under {args.p95_limit:g} ms without error")
            else:
                print(
                    f"capacity: {best['rps']:g} req/s achieved ({best['target_rps']} offered) with p95 "
                    f"{fmt(best['p95_ms'])} ms < {args.p95_limit:g} ms"
                    + ("" if result["capacity"]["limit_reached"] else " (limit not reached: add higher --rates)")
                )
            if any(step["client_cpu_warning"] for step in steps):
                print("note: locust reported its own CPU above 90 % in some step (it shares the cores with the server)")
    finally:
        if server is not None:
            server.stop()
            log(f"server stopped (log: {server.log_path})")
        if args.keep_data:
            log(f"data folder kept: {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
