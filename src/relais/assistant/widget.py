"""The citizens' widget (issue 20): `/widget.js`, the loader a town adds to its website, and `/citoyens/integre/`,
the public chat as the widget's frame shows it (docs/public.md, « Le widget »).

The loader is a static file served by a view rather than by WhiteNoise: towns pin one stable address,
`/widget.js?v=N` with its SRI hash, and the script must be sent with `Access-Control-Allow-Origin` (a
`crossorigin="anonymous"` script is refused without it, and SRI needs that mode on another origin).

The frame is the public chat (public_views.py, same trust zone: no cookie, no session, no CSRF token) with its
own template, and headers that let the town's sites, and no other, frame it: `frame-ancestors` lists
RELAIS_WIDGET_ORIGINS, and X-Frame-Options, which cannot name another origin, is left out when the list is not
empty (browsers that know frame-ancestors ignore it; DENY would contradict the allow-list).
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path

from csp.constants import SELF
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from relais.assistant import public_views, suggestions
from relais.assistant.models import PublicAssistant
from relais.assistant.pipeline import EmptyQuestion

# Bump on any change to widget.js: a town's pinned `?v=N` and its integrity hash then stay valid (and cached).
WIDGET_VERSION = 1
WIDGET_FILE = Path(__file__).parent / "static" / "relais" / "widget.js"
PINNED_CACHE_SECONDS = 365 * 24 * 3600
UNPINNED_CACHE_SECONDS = 300  # /widget.js without the current version: picked up soon after an upgrade


@cache
def widget_bytes() -> bytes:
    return WIDGET_FILE.read_bytes()


def integrity(body: bytes) -> str:
    """The Subresource Integrity value of the served bytes."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def pin_snippet(site_url: str) -> str:
    """The tag a town pastes into its pages: this version, this hash."""
    src = f"{site_url.rstrip('/')}/widget.js?v={WIDGET_VERSION}"
    return f'<script src="{src}" integrity="{integrity(widget_bytes())}" crossorigin="anonymous" defer></script>\n'


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    """The loader; `?integrite` answers the tag to pin instead, with the hash of the bytes served."""
    if "integrite" in request.GET:
        return HttpResponse(pin_snippet(request.build_absolute_uri("/")), content_type="text/plain; charset=utf-8")
    response = HttpResponse(widget_bytes(), content_type="text/javascript; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"  # public, credential-free: any page may load it
    response["X-Content-Type-Options"] = "nosniff"
    pinned = request.GET.get("v") == str(WIDGET_VERSION)
    if pinned:
        patch_cache_control(response, public=True, max_age=PINNED_CACHE_SECONDS, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=UNPINNED_CACHE_SECONDS)
    return response


def frame_ancestors() -> list[str]:
    return [SELF, *settings.RELAIS.widget_origins]


def allow_framing(response: HttpResponse) -> HttpResponse:
    """Framed by Relais itself and the allowed sites only (csp.middleware reads `_csp_replace`)."""
    response._csp_replace = {"frame-ancestors": frame_ancestors()}
    if settings.RELAIS.widget_origins:
        response.xframe_options_exempt = True  # XFrameOptionsMiddleware sets nothing
    else:
        response["X-Frame-Options"] = "SAMEORIGIN"  # the same as 'self': kept by the middleware
    return response


def _page(request: HttpRequest, form, shown=None, status: int = 200, paused: str | None = None) -> HttpResponse:
    own = request.build_absolute_uri("/").rstrip("/")
    context = {
        "form": form,
        "shown": shown,
        "paused": paused,
        "anchor": public_views.ANCHOR,
        "examples": [] if shown or paused else suggestions.example_questions(public_views.PUBLIC_AUDIENCES),
        "retention_days": settings.RELAIS.public_retention_days,
        "hosts": [own, *settings.RELAIS.widget_origins],  # whom widget-frame.js may talk to
        "embedded": True,  # the example and follow-up buttons post back to this frame
    }
    response = render(request, "assistant/public/embedded.html", context, status=status)
    if shown or paused:
        add_never_cache_headers(response)  # the visitor's question, or a pause lifted at any time
    return allow_framing(response)


# No CSRF token, as the public chat: public_views.chat says why.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def embedded_chat(request: HttpRequest) -> HttpResponse:
    """The public chat as the widget's frame shows it: the same pause, limits, questions, answers and checks."""
    paused = PublicAssistant.pause_message_now(asked=request.method == "POST")
    if paused is not None:
        return _page(request, None, status=503, paused=paused)
    if request.method == "GET":
        return _page(request, public_views.PublicQuestionForm())
    form = public_views.PublicQuestionForm(request.POST)
    refused = public_views.over_limit(request) if form.is_valid() else None
    if refused is not None:
        form.add_error(None, refused.message)
        return _page(request, form, status=refused.status)
    shown = None
    if form.is_valid():
        try:
            question = form.cleaned_data["question"]
            result = public_views.ask_public(question)
            shown = public_views.shown_answer(result, public_views.public_payload(result), question)
        except EmptyQuestion:
            form.add_error("question", public_views.EMPTY_QUESTION)
    if shown is None:
        return _page(request, form, status=400)
    return _page(request, public_views.PublicQuestionForm(), shown)
