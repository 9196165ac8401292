"""For the tests that start real servers (uvicorn, slapd, an OIDC provider, llama.cpp, SMTP, a GLPI stand-in)."""

from __future__ import annotations

import socket
import subprocess


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
