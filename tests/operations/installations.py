"""Several Relais processes on one database, for the tests of shared state (workers, outbox claims, limits).

``installation(backend, folder)`` gives the environment of a fresh installation, migrated: SQLite in its own
data folder, or a throwaway PostgreSQL cluster (tests/postgres.py). ``run_together`` starts processes on it
and releases them at the same instant, so that they race for real.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest

from tests.postgres import throwaway_postgres

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]

# Each process: Django set up, then the test's script, which calls ready() once it is set up and racing.
PRELUDE = """
import json, os, sys, time
from pathlib import Path
import django
django.setup()
RACE = Path(os.environ["RACE_DIR"])

def ready():
    (RACE / f"ready-{os.getpid()}").touch()
    while not (RACE / "go").exists():
        time.sleep(0.005)
"""


@contextmanager
def installation(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    """The environment of a migrated installation on `backend`, in `folder`; the database is gone afterwards."""
    env = {k: v for k, v in os.environ.items() if k not in {"RELAIS_DATABASE_URL", "DATABASE_URL"}}
    env |= {"DJANGO_SETTINGS_MODULE": "relais.settings", "RELAIS_DATA_DIR": str(folder / "data")}
    with throwaway_postgres() if backend == "postgresql" else nullcontext() as url:
        if url:
            env["RELAIS_DATABASE_URL"] = url
        run_together("from django.core.management import call_command\ncall_command('migrate', verbosity=0)", env)
        yield env


def run_together(
    script: str, env: dict[str, str], processes: int = 1, args: tuple[str, ...] = (), check: bool = True
) -> list:
    """Run `script` (after PRELUDE) in `processes` Python processes at once; each prints one JSON value last
    (None when it printed nothing). A script that calls ready() waits there until all the others reached it.
    `check`: each process must exit with status 0."""
    race = Path(env["RELAIS_DATA_DIR"]).parent / f"race-{time.monotonic_ns()}"
    race.mkdir(parents=True)
    command = [sys.executable, "-c", PRELUDE + script, *args]
    started = [
        subprocess.Popen(command, cwd=ROOT, env={**env, "RACE_DIR": str(race)}, stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    try:
        _release_when_ready(race, started, script)
        outputs = [process.communicate(timeout=300)[0] for process in started]
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
    if check:
        assert [p.returncode for p in started] == [0] * processes, outputs
    return [json.loads(out.strip().splitlines()[-1]) if out.strip() else None for out in outputs]


def _release_when_ready(race: Path, started: list[subprocess.Popen], script: str) -> None:
    if "ready()" not in script:
        return
    deadline = time.monotonic() + 300
    while len(list(race.glob("ready-*"))) < len(started):
        assert all(p.poll() is None for p in started), "a racing process exited before the start"
        assert time.monotonic() < deadline, "the racing processes never got ready"
        time.sleep(0.01)
    (race / "go").touch()
