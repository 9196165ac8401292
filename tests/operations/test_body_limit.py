"""Request bodies are bounded before anyone is known: nothing of a 300 MB anonymous POST is read or stored."""

import asyncio
import json

import pytest
from django.core.asgi import get_asgi_application

from relais.operations.body_limit import BodyLimitASGI
from tests.processes import run_in_own_loop

MB = 1024 * 1024


def call(app, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, dict, bytes, int]:
    """One HTTP request through the ASGI app: (status, headers, body, body messages the app pulled)."""
    pulled = 0
    sent: list[dict] = []

    async def receive():
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        await asyncio.sleep(3600)  # a client that sends nothing more

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    run_in_own_loop(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], dict(start["headers"]), body, pulled


@pytest.fixture
def app(transactional_db):
    return BodyLimitASGI(get_asgi_application())


def test_a_huge_anonymous_post_is_refused_before_a_byte_is_read(app):
    status, headers, body, pulled = call(app, "/connexion/", [(b"content-length", str(300 * MB).encode())], [b"x"])
    assert status == 413 and pulled == 0
    assert headers[b"content-type"].startswith(b"text/html")
    assert "La requête est trop volumineuse (limite : 256 Ko)" in body.decode()


def test_a_chunked_anonymous_body_is_cut_off_at_the_limit(app):
    chunks = [b"x" * (64 * 1024)] * 100  # 6.4 MB announced by no Content-Length
    status, _, body, pulled = call(app, "/connexion/", [], chunks)
    assert status == 413
    assert pulled <= 6  # 256 KB in 64 KB pieces, then the app stops pulling
    assert "trop volumineuse" in body.decode()


def test_under_api_the_refusal_is_french_json(app):
    status, headers, body, _ = call(app, "/api/v1/ask", [(b"content-length", str(2 * MB).encode())], [b"{}"])
    assert status == 413 and headers[b"content-type"] == b"application/json"
    assert json.loads(body)["detail"].startswith("La requête est trop volumineuse")


def test_a_request_with_credentials_may_send_more_but_a_forged_cookie_is_caught_by_django(app):
    body = b"a=" + b"x" * MB  # 1 MB: over the anonymous limit, under the signed-in one
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"cookie", b"sessionid=forged"),
    ]
    status, _, page, pulled = call(app, "/connexion/", headers, [body])
    assert pulled == 1  # the ASGI layer let it through on the cookie's word…
    assert status == 413 and "limite : 256 Ko" in page.decode()  # …Django, knowing no such session, did not


def test_a_signed_in_user_can_post_more_than_the_anonymous_limit(client, django_user_model):
    user = django_user_model.objects.create_user("agent.test", password="motdepasse-solide-42")
    payload = {"question": "x" * (300 * 1024)}
    anonymous = client.post("/connexion/", payload)
    assert anonymous.status_code == 413
    client.force_login(user)
    signed_in = client.post("/connexion/", payload)
    assert signed_in.status_code != 413


def test_the_limits_are_settings(settings, client):
    from dataclasses import replace

    settings.RELAIS = replace(settings.RELAIS, max_anonymous_request_kb=1)
    response = client.post("/connexion/", {"username": "x" * 2000})
    assert response.status_code == 413 and "limite : 1 Ko" in response.content.decode()
