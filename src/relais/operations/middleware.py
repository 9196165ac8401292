"""Every request gets an id (in each log line it causes, and in its X-Request-ID answer header) and one access
log line: method, path, status, duration.

The id comes from the reverse proxy's X-Request-ID when it looks like one (nginx: `proxy_set_header X-Request-ID
$request_id`), so the proxy's log and ours share it; otherwise a fresh one. The access line never holds the query
string nor the body: a question, a search or a name may sit there.

The line is written when the view returns its response. For a streamed answer (the SSE of /poser/flux/) that is
when the stream starts: its duration is the time to the first byte, not the length of the stream.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import quote

from django.http import HttpRequest, HttpResponseBase

from relais.operations.logs import NO_REQUEST, request_id

access_log = logging.getLogger("relais.access")

HEADER = "X-Request-ID"
# nginx's $request_id is 32 hex digits; other proxies send UUIDs. Anything else (too long, spaces, quotes, line
# breaks that would forge log lines) is replaced.
SAFE_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
# What a path may show as is in a log line; the rest (line breaks, non-ASCII) is percent-encoded again.
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def forget_request_id(**kwargs) -> None:
    """Connected to request_finished: what the thread logs between requests carries no stale id."""
    request_id.set(NO_REQUEST)


def incoming_id(request: HttpRequest) -> str:
    given = request.headers.get(HEADER, "")
    return given if SAFE_ID.fullmatch(given) else uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE, so that the id covers the other middleware's logs and the access line their answers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        started = time.perf_counter()
        rid = incoming_id(request)
        # Reset when the response is closed (request_finished, after the last byte of a streamed body too), not
        # when this returns: a streamed body is produced later and its logs need the id.
        request_id.set(rid)
        request.request_id = rid  # for the error pages, in apps that cannot import this one
        response = self.get_response(request)
        response[HEADER] = rid
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        path = quote(request.path, safe=PATH_SAFE)
        access_log.info(
            "%s %s %s %.0fms",
            request.method,
            path,
            response.status_code,
            duration_ms,
            extra={"method": request.method, "path": path, "status": response.status_code, "duration_ms": duration_ms},
        )
        return response
