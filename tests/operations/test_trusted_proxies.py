"""X-Forwarded-For is believed only from the proxies listed in RELAIS_TRUSTED_PROXIES (uvicorn as `relais serve`
configures it): otherwise any local client could pick its address and escape the lockout and rate limits."""

import uvicorn

from relais.operations.management.commands.serve import proxy_options
from tests.processes import run_in_own_loop


def client_seen(trusted: tuple[str, ...], peer: str, forwarded_for: str) -> str:
    seen = {}

    async def app(scope, receive, send):
        seen["client"] = scope["client"][0]

    config = uvicorn.Config(app, **proxy_options(trusted))
    config.load()  # wraps the app as uvicorn serves it
    scope = {
        "type": "http",
        "scheme": "http",
        "path": "/",
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 40000),
        "server": ("127.0.0.1", 8000),
    }

    async def receive():
        return {"type": "http.request", "body": b""}

    async def send(message):
        pass

    run_in_own_loop(config.loaded_app(scope, receive, send))
    return seen["client"]


def test_by_default_the_header_is_ignored_even_from_the_loopback():
    assert client_seen((), "127.0.0.1", "203.0.113.9") == "127.0.0.1"


def test_a_listed_proxy_is_believed():
    assert client_seen(("10.0.0.5",), "10.0.0.5", "203.0.113.9") == "203.0.113.9"


def test_an_unlisted_peer_is_not_believed():
    assert client_seen(("10.0.0.5",), "127.0.0.1", "203.0.113.9") == "127.0.0.1"
