"""Request bodies are bounded before anyone is known: no 300 MB POST to the sign-in page reaches the disk.

Two layers, because Django's ASGI handler reads a whole body into a temporary file before any middleware runs:

- `BodyLimitASGI` wraps the ASGI application. A request without credentials (no session cookie, no token
  header) may send `RELAIS_MAX_ANONYMOUS_REQUEST_KB`; one with credentials `RELAIS_MAX_REQUEST_MB` (several
  files uploaded at once). A declared Content-Length over the limit is answered 413 without reading a byte;
  a chunked body is counted as it arrives and cut off at the limit.
- `BodyLimitMiddleware` checks the same limits in Django once the user is known (a forged cookie bought only
  the larger limit, and under WSGI nothing has read the body yet), before CSRF or a form parses it.

Answers are French for people and JSON under /api/.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CREDENTIAL_HEADERS = (b"authorization", b"x-api-key")


def body_limit(credentialed: bool) -> int:
    config = settings.RELAIS
    return config.max_request_mb * 1024 * 1024 if credentialed else config.max_anonymous_request_kb * 1024


def _french_reason(limit: int) -> str:
    size = f"{limit // (1024 * 1024)} Mo" if limit >= 1024 * 1024 else f"{limit // 1024} Ko"
    return f"La requête est trop volumineuse (limite : {size}). Réduisez la taille des fichiers ou du texte envoyé."


def _body(path: str, limit: int) -> tuple[bytes, bytes]:
    """(content type, body) of the 413 answer."""
    if path.startswith("/api/"):
        return b"application/json", json.dumps({"detail": _french_reason(limit)}, ensure_ascii=False).encode()
    page = (
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Requête trop volumineuse</title></head>'
        f"<body><h1>Requête trop volumineuse</h1><p>{_french_reason(limit)}</p>"
        '<p><a href="/">Revenir à l\'accueil</a></p></body></html>'
    )
    return b"text/html; charset=utf-8", page.encode()


class BodyLimitASGI:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        limit = body_limit(_has_credentials(headers))
        declared = headers.get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        cut_off = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, cut_off
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut_off = True
                    return {"type": "http.disconnect"}  # Django stops reading and answers nothing
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted_receive, watched_send)
        if cut_off and not started:
            await _refuse(scope, send, limit)


def _has_credentials(headers: dict[bytes, bytes]) -> bool:
    if any(name in headers for name in CREDENTIAL_HEADERS):
        return True
    cookie = settings.SESSION_COOKIE_NAME.encode()
    return any(part.strip().startswith(cookie + b"=") for part in headers.get(b"cookie", b"").split(b";"))


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    content_type, body = _body(scope.get("path", ""), limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    """The same limits once Django knows who is asking; placed before anything reads the body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        declared = request.META.get("CONTENT_LENGTH") or "0"
        if declared.isdigit():
            credentialed = request.user.is_authenticated or any(
                name in request.META for name in ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY")
            )
            limit = body_limit(credentialed)
            if int(declared) > limit:
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": _french_reason(limit)}, status=413)
                content_type, body = _body(request.path, limit)
                return HttpResponse(body, status=413, content_type=content_type.decode())
        return self.get_response(request)
