"""The chat's streamed answers: ``POST /poser/flux/`` answers with server-sent events.

Events (``text/event-stream``):

- ``delta`` ``{"text": …}``: a piece of the generated answer as the model writes it — not yet verified;
- ``final`` ``{"html": …, "conversation": URL, "mode": …, "notice": …}``: the verified exchange, rendered as the
  chat shows it. The chat replaces the streamed text by it: the generated answer when it passed the groundedness
  check, else the extractive one with a discreet notice;
- ``error`` ``{"message": …}``: a French message, never a stack trace.

The view is async (it streams under the ASGI server without holding a worker); the pipeline, which is sync and
reads the database, runs in Django's thread for the request, and hands over the pieces through a queue. The
form errors and the rate limit answer as the fragment view does (400/429 with an HTML fragment, no stream).
"""

from __future__ import annotations

import asyncio
import json
import logging

from asgiref.sync import sync_to_async
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from relais.assistant.forms import FeedbackForm, QuestionForm
from relais.assistant.models import Conversation
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.assistant.throttle import TOO_MANY, ask_allowed, client_address
from relais.assistant.views import AGENT_AUDIENCES

logger = logging.getLogger(__name__)

FAILED = "Relais n'a pas pu répondre (erreur du serveur). Réessayez dans un instant."


def event(name: str, data: dict) -> str:
    """One server-sent event; the JSON is on one line, so one ``data:`` line suffices."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def _check(request: HttpRequest) -> tuple[QuestionForm, Conversation | None, HttpResponse | None]:
    """The validated form and conversation, or the error response the fragment view would give."""
    form = QuestionForm(request.POST)
    conversation = None
    if form.is_valid() and form.cleaned_data["conversation"]:
        conversation = Conversation.objects.of(request.user).filter(pk=form.cleaned_data["conversation"]).first()
        if conversation is None:
            form.add_error(None, "Cette conversation n'existe pas ou ne vous appartient pas.")
    if form.is_valid() and not ask_allowed(request.user.pk, client_address(request)):
        return form, None, HttpResponse(f'<div class="error-summary" role="alert"><p>{TOO_MANY}</p></div>', status=429)
    if form.is_valid() and not " ".join(form.cleaned_data["question"].split()):
        form.add_error("question", "Écrivez votre question avant d'envoyer.")
    if not form.is_valid():
        return form, None, HttpResponse(render_to_string("assistant/_errors.html", {"form": form}, request), status=400)
    return form, conversation, None


def _answer(request: HttpRequest, form: QuestionForm, conversation: Conversation | None, on_delta) -> dict:
    """Run the pipeline (sync, in the request's thread) and render the verified exchange."""
    result = ask(
        form.cleaned_data["question"],
        user=request.user,
        conversation=conversation,
        audiences=AGENT_AUDIENCES,
        on_delta=on_delta,
    )
    html = render_to_string(
        "assistant/_exchange.html", {"exchange": result.exchange, "feedback_form": FeedbackForm()}, request
    )
    return {
        "html": html,
        "conversation": reverse("conversation", args=[result.conversation.pk]),
        "mode": result.answer.mode,
        "notice": result.notice,
    }


@login_required
@require_POST
async def ask_stream(request: HttpRequest) -> HttpResponse:
    form, conversation, error = await sync_to_async(_check)(request)
    if error is not None:
        return error

    async def events():
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue[str] = asyncio.Queue()

        def on_delta(text: str) -> None:
            loop.call_soon_threadsafe(pieces.put_nowait, text)

        # Started here, not in the view: the stream may be consumed in another event loop than the view's.
        task = asyncio.ensure_future(sync_to_async(_answer)(request, form, conversation, on_delta))
        yield ": relais\n\n"  # opens the stream at once (proxies, the browser's first byte)
        while not task.done() or not pieces.empty():
            getter = asyncio.ensure_future(pieces.get())
            await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
            if getter.done():
                yield event("delta", {"text": getter.result()})
            else:
                getter.cancel()
        try:
            yield event("final", task.result())
        except EmptyQuestion:
            yield event("error", {"message": "Écrivez votre question avant d'envoyer."})
        except Exception:
            logger.exception("streamed answer failed")
            yield event("error", {"message": FAILED})

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
    return response
