"""A throwaway PostgreSQL cluster for the tests and benches: `initdb` in a temporary folder, no system service.

    python -m tests.postgres -- pytest -m postgres     # runs the command with RELAIS_DATABASE_URL set

or, in Python, ``with throwaway_postgres() as url: …``. The server listens on a Unix socket inside the folder
only (no TCP port to collide with), with fsync off: nothing here must survive the run. PostgreSQL refuses to run
as root, so as root the server runs as the `postgres` user that Debian's package creates.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

ROLE = "relais"


class PostgresMissing(RuntimeError):
    """The PostgreSQL server programs are not installed."""


def server_bin_dir() -> Path:
    """Debian installs the server programs outside PATH, one folder per major version: take the newest."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).resolve().parent
    raise PostgresMissing(
        "PostgreSQL's server programs (initdb, pg_ctl) are missing: `apt-get install postgresql` (`make test` does it)"
    )


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _socket_url(socket_dir: Path, database: str) -> str:
    return f"postgresql://{ROLE}@/{database}?host={quote(str(socket_dir), safe='')}"


@contextmanager
def throwaway_postgres(database: str = "relais") -> Iterator[str]:
    """Start a fresh cluster, create `database`, yield its URL; stop and delete everything afterwards."""
    bin_dir = server_bin_dir()
    folder = Path(tempfile.mkdtemp(prefix="relais-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data, log = folder / "data", folder / "server.log"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", ROLE, "-A", "trust"]
    run = subprocess.run
    try:
        run(
            _as_server_user([*initdb, "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]),
            check=True,
            capture_output=True,
        )
        options = f"-k {folder} -c listen_addresses='' -c fsync=off -c full_page_writes=off -c max_connections=200"
        run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"]),
            check=True,
            capture_output=True,
        )
        run(
            [str(bin_dir / "createdb"), "-h", str(folder), "-U", ROLE, database],
            check=True,
            capture_output=True,
            env={**os.environ, "PGHOST": str(folder)},
        )
        yield _socket_url(folder, database)
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text(errors="replace") if log.exists() else ""
        raise RuntimeError(f"throwaway PostgreSQL failed: {exc.stderr.decode(errors='replace')}\n{server_log}") from exc
    finally:
        if (data / "postmaster.pid").exists():
            run(_as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]), check=False)
        shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m tests.postgres -- COMMAND [ARGS…]", file=sys.stderr)
        return 2
    with throwaway_postgres() as url:
        return subprocess.run(command, env={**os.environ, "RELAIS_DATABASE_URL": url}).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
