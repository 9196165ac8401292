"""For the tests that start real servers (uvicorn, slapd, an OIDC provider, llama.cpp, SMTP, a GLPI stand-in)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    """A TCP port nothing listens on right now, on the loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a server process to stop, and kill it if it does not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_for_http(url: str, process: subprocess.Popen, seconds: float = 120, log: Path | None = None) -> None:
    """Poll `url` until it answers 200; fail at once, with the server's error output (its stderr pipe, or the
    ``log`` file it writes to), if the process exits."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stderr.read() if process.stderr else ""
            if log is not None and log.exists():
                output = log.read_text(errors="replace")
            output = output.decode(errors="replace") if isinstance(output, bytes) else output
            raise RuntimeError(f"{process.args} exited: {output[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {seconds:.0f} s")


def run_in_own_loop(coroutine) -> None:
    """Run an ASGI call to the end in a thread of its own: the browser tests' driver may hold this thread's loop."""
    failure: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coroutine)
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
