import fcntl
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from relais.audit.settings_snapshot import record_settings_changes


def proxy_options(trusted_proxies: tuple[str, ...]) -> dict:
    """uvicorn believes X-Forwarded-For only from the listed proxies; by default from 127.0.0.1, which would let
    any local client choose its address and escape the sign-in lockout and the per-address limits."""
    if not trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(trusted_proxies)}


def collect_static_files() -> None:
    """collectstatic, one server at a time: systemd starts every `relais-web@PORT` at once, and two servers
    writing the same hashed files and manifest together could leave a manifest naming a half-written file."""
    lock = Path(settings.DATA_DIR) / ".collectstatic.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        call_command("collectstatic", interactive=False, verbosity=0)


class Command(BaseCommand):
    help = "Serve Relais with the ASGI server (uvicorn), with the background worker beside it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=1, help="server processes (default 1)")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start `relais worker` (run it separately, e.g. systemd)"
        )

    def handle(self, *args, **options) -> None:
        import uvicorn

        collect_static_files()
        record_settings_changes(settings.RELAIS)  # settings live outside the app: the audit log notes changes
        worker = None
        if not options["no_worker"]:
            # Outbox deliveries (tickets to GLPI or by e-mail, notifications) happen in the background.
            worker = subprocess.Popen([sys.executable, "-m", "relais.cli", "worker", "--parent-pid", str(os.getpid())])
        self.stdout.write(f"Relais : http://{options['host']}:{options['port']}/")
        try:
            uvicorn.run(
                "relais.asgi:application",
                host=options["host"],
                port=options["port"],
                workers=options["workers"],
                log_level="warning",
                **proxy_options(settings.RELAIS.trusted_proxies),
            )
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)
