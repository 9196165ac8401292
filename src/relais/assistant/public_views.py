"""The public mode: the town's visitors ask without signing in, answered only from collections whose audience is
`public` (issue 20). The chat page `/citoyens/`, its document pages, and the pieces the anonymous API
(public_api.py) and `relais ask --public` share: ``ask_public`` and ``public_payload``.

A separate trust zone. No session, no cookie, no browser storage, before the first question or after it: the
page keeps nothing (each question stands alone, its answer is rendered in the response to the form's POST) and
works without JavaScript. Nothing of the agents' knowledge is ever shown: the search, the FAQ match and the
follow-ups read public collections only, guided procedures and tickets are never offered, and ``public_payload``
checks every document the answer rests on before anything is shown (tests/assistant/test_public_no_leak.py).
The exchange is logged like the agents' (question masked for personal data first), without a user, and kept
RELAIS_PUBLIC_RETENTION_DAYS (0: only counted, never stored).

The safety switches (issue 20): the admin's pause (models.PublicAssistant) answers every question at once with
the town's contact message, and daily limits per address and for all visitors (throttle.public_daily_allowed)
come on top of the per-minute one. Both act before any search (``refusal``), for the page and the API alike.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.conf import settings
from django.db.models import F
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import SafeString
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from relais.assistant import suggestions
from relais.assistant.forms import MAX_QUESTION_CHARS
from relais.assistant.models import PublicAssistant, UsageCounter, service_of
from relais.assistant.payload import answer_payload
from relais.assistant.pipeline import PERSONAL_SITUATION_ANSWER, AskResult, EmptyQuestion, ask, guard
from relais.assistant.public_language import answer_language
from relais.assistant.rendering import render_answer
from relais.assistant.throttle import TOO_MANY, TOO_MANY_TODAY, ask_allowed, client_address, public_daily_allowed
from relais.assistant.views import INLINE_SUFFIXES, document_passages
from relais.engine.answers.extractive import NOT_FOUND
from relais.engine.guard import PREFIX_KINDS
from relais.knowledge import directory
from relais.knowledge.models import Audience, Document, FaqEntry

logger = logging.getLogger(__name__)

PUBLIC = Audience.PUBLIC.value
PUBLIC_AUDIENCES = frozenset({PUBLIC})

# The agents' wording sends a personal case to the HR service: a visitor is sent to the town hall instead.
PUBLIC_SITUATION_ANSWER = (
    "Votre question semble porter sur une situation personnelle (santé ou procédure disciplinaire). "
    "Par confidentialité, l'assistant n'y répond pas : adressez-vous directement à la mairie."
)
EMPTY_QUESTION = "Écrivez votre question avant d'envoyer."
# The answer's sources are linked as « [n] » to the list under it; one answer per page, so one fixed anchor
# prefix (the exchange's id stays on the server).
ANCHOR = 0


def public_contact() -> str:
    """Whom a visitor is sent to when no public page names a contact (the agents' default names internal services)."""
    town = settings.RELAIS.town_name
    return f"l'accueil de la mairie de {town}" if town else "l'accueil de la mairie"


def ask_public(question: str) -> AskResult:
    """Answer a visitor's question from the public collections only; logged without a user, in a conversation of
    its own (a visitor has nothing to continue: no session). With RELAIS_PUBLIC_RETENTION_DAYS=0 nothing is
    stored: the exchange only goes to the anonymised daily counts."""
    if settings.RELAIS.public_retention_days > 0:
        return ask(question, audiences=PUBLIC_AUDIENCES)
    result = ask(question, audiences=PUBLIC_AUDIENCES, log=False)
    _count_unkept(question, result)
    return result


def _count_unkept(question: str, result: AskResult) -> None:
    """The anonymised daily count the retention purge keeps of an expired exchange (operations/retention.py),
    added at once for one that is never stored: a visitor's count, apart from the agents'."""
    answer, guarded = result.answer, guard(" ".join(question.split()))
    ids = [item.document_id for item in [*answer.citations, *answer.suggestions]]
    documents = Document.objects.select_related("collection").in_bulk(ids)
    service = service_of(documents.get(i) for i in ids)
    refused = bool(result.screened) and result.screened not in PREFIX_KINDS  # the guard's fixed answer
    counter, _ = UsageCounter.objects.get_or_create(
        day=timezone.localdate(), service=service, mode=answer.mode, audience=PUBLIC
    )
    # Integers, never booleans: PostgreSQL adds no boolean to an integer.
    UsageCounter.objects.filter(pk=counter.pk).update(
        exchanges=F("exchanges") + 1,
        masked_pii=F("masked_pii") + int(bool(guarded.masked_types)),
        personal_situations=F("personal_situations") + int(bool(guarded.situation)),
        latency_ms_total=F("latency_ms_total") + result.latency_ms,
        handovers=F("handovers") + int(answer.mode == "none" and not refused),
        screened=F("screened") + int(refused),
        outside_hours=F("outside_hours") + int(directory.town_hall_open(timezone.now()) is False),
    )


@dataclass(frozen=True)
class Refusal:
    """Why a visitor's question is not answered, before any search: the pause or a limit."""

    message: str
    status: int


def refusal(request: HttpRequest) -> Refusal | None:
    """The pause first (nothing else is counted then), then the per-minute and the daily limits."""
    paused = PublicAssistant.pause_message_now()
    if paused is not None:
        return Refusal(paused, 503)
    return over_limit(request)


def over_limit(request: HttpRequest) -> Refusal | None:
    address = client_address(request)
    if not ask_allowed(None, address):
        return Refusal(TOO_MANY, 429)
    if not public_daily_allowed(address):
        return Refusal(TOO_MANY_TODAY, 429)
    return None


def public_payload(result: AskResult) -> dict:
    """The agents' answer payload, for a visitor: the sources are the public document pages, the contact a public
    one. Fails closed: an answer resting on anything outside the public collections (a document, a FAQ entry) is
    replaced by an abstention. The pipeline, asked for the public audience, gives none but one: a FAQ entry of a
    public collection may name an agents' page as its source (the admin allows it), which a visitor never sees."""
    payload = answer_payload(result)
    if _beyond_public(payload):
        logger.error("public answer withheld: it rests on a document outside the public collections")
        payload = _withheld(payload)
    payload["citations"] = [{**c, "source": _document_page(c["document_id"])} for c in payload["citations"]]
    if payload["answer"] == PERSONAL_SITUATION_ANSWER:
        payload["answer"] = PUBLIC_SITUATION_ANSWER
    if payload["contact"] in {settings.RELAIS.default_contact, settings.RELAIS.personal_contact}:
        payload["contact"] = public_contact()
    payload["handover"] = _handover(payload, result.screened)
    # A visitor has no conversation: result.search_query is the question as typed, personal data masked.
    payload["language"] = answer_language(result.search_query, payload)
    return payload


def _handover(payload: dict, screened: str) -> dict | None:
    """When the answer is not sure (an abstention, an answer to check), the desk of the service that owns the
    closest pages, else the town hall's: its phone, address and opening hours, whether it is open now, and whether
    it takes written requests (knowledge/directory.py). None for a sure answer, a guard's fixed answer, or when
    the town has entered no desk."""
    if (screened and screened not in PREFIX_KINDS) or not (payload["mode"] == "none" or payload["needs_check"]):
        return None
    closest = [s["document_id"] for s in payload["suggestions"]] + [c["document_id"] for c in payload["citations"]]
    documents = Document.objects.select_related("collection").in_bulk(closest[:1])
    desk = directory.desk_for(service_of(documents.values()))
    return directory.handover(desk) if desk is not None else None


def _document_page(document_id: int) -> str:
    return reverse("public:document", args=[document_id])


def _beyond_public(payload: dict) -> bool:
    """Whether the answer rests on anything outside the public collections: a document it cites or suggests, the
    FAQ entry it gives, a procedure it offers."""
    if payload["procedure"] is not None or any(c.get("audience") != PUBLIC for c in payload["citations"]):
        return True
    curated = FaqEntry.objects.filter(question=payload["faq_question"], collection__audience=PUBLIC)
    if payload["mode"] == "faq" and not curated.exists():  # a curated answer of the public FAQ only
        return True
    ids = {c.get("document_id") for c in payload["citations"]} | {s["document_id"] for s in payload["suggestions"]}
    public = set(Document.objects.filter(pk__in=ids, collection__audience=PUBLIC).values_list("pk", flat=True))
    return ids != public


def _withheld(payload: dict) -> dict:
    return {
        **payload,
        "answer": NOT_FOUND,
        "citations": [],
        "suggestions": [],
        "mode": "none",
        "confidence": 0.0,
        "needs_check": False,
        "faq_question": "",
        "notice": "",
        "procedure": None,
    }


class PublicQuestionForm(forms.Form):
    question = forms.CharField(
        label="Votre question",
        max_length=MAX_QUESTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        error_messages={
            "required": EMPTY_QUESTION,
            "max_length": f"Votre question est trop longue : {MAX_QUESTION_CHARS} caractères au plus.",
        },
    )


@dataclass(frozen=True)
class ShownAnswer:
    question: str  # as logged: personal data masked
    payload: dict
    html: SafeString
    follow_ups: list[str]


def shown_answer(result: AskResult, payload: dict, question: str) -> ShownAnswer:
    exchange = result.exchange
    # Follow-ups rest on the logged citations: only when every one of them was checked public (not withheld).
    # An exchange that is not stored (retention 0) has none.
    follow_ups = suggestions.follow_ups(exchange, PUBLIC_AUDIENCES) if exchange and payload["citations"] else []
    html = render_answer(payload["answer"], ANCHOR, len(payload["citations"]))
    masked = exchange.question if exchange else guard(" ".join(question.split())).text
    return ShownAnswer(masked, payload, html, follow_ups)


def _page(request: HttpRequest, form: PublicQuestionForm, shown: ShownAnswer | None = None, status: int = 200):
    context = {
        "form": form,
        "shown": shown,
        "anchor": ANCHOR,
        "examples": [] if shown else suggestions.example_questions(PUBLIC_AUDIENCES),
        "retention_days": settings.RELAIS.public_retention_days,
    }
    return render(request, "assistant/public/chat.html", context, status=status)


def _paused_page(request: HttpRequest, message: str) -> HttpResponse:
    context = {"message": message, "retention_days": settings.RELAIS.public_retention_days}
    response = render(request, "assistant/public/paused.html", context, status=503)
    add_never_cache_headers(response)  # the pause is lifted in the admin: no cache may keep this page
    return response


# CSRF: the form carries no token, on purpose. A token needs a cookie (or a session) before the first question,
# which the trust zone rules out. It protects nothing here either: the form changes nothing for anyone (no account,
# no session, no state a forged request could act on behalf of; a cross-site POST can only ask a question, which
# anyone can do directly), and asking is throttled per address like the agents' chat. Exempting this one view
# keeps CsrfViewMiddleware on every other form.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    paused = PublicAssistant.pause_message_now(asked=request.method == "POST")
    if paused is not None:
        return _paused_page(request, paused)
    if request.method == "GET":
        return _page(request, PublicQuestionForm())
    form = PublicQuestionForm(request.POST)
    refused = over_limit(request) if form.is_valid() else None
    if refused is not None:
        form.add_error(None, refused.message)
        return _page(request, form, status=refused.status)
    shown = None
    if form.is_valid():
        try:
            question = form.cleaned_data["question"]
            result = ask_public(question)
            shown = shown_answer(result, public_payload(result), question)
        except EmptyQuestion:
            form.add_error("question", EMPTY_QUESTION)
    if shown is None:
        return _page(request, form, status=400)
    response = _page(request, PublicQuestionForm(), shown)
    add_never_cache_headers(response)  # the page holds the visitor's question: no cache keeps it
    return response


def _public_document(document_id: int) -> Document | None:
    """A document of a public collection; any other is « not found », whoever asks (the trust zone is the same
    for the town's staff)."""
    return Document.objects.select_related("collection").filter(pk=document_id, collection__audience=PUBLIC).first()


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "assistant/public/404.html", status=404)


@require_GET
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    found = _public_document(document_id)
    if found is None:
        return _not_found(request)
    context = {
        "document": found,
        "passages": document_passages(found),
        "original_available": Path(found.source).is_file(),
    }
    return render(request, "assistant/public/document.html", context)


@require_GET
def document_file(request: HttpRequest, document_id: int) -> HttpResponse:
    found = _public_document(document_id)
    path = Path(found.source) if found else None
    if path is None or not path.is_file():
        return _not_found(request)
    inline = path.suffix.lower() in INLINE_SUFFIXES
    response = FileResponse(path.open("rb"), as_attachment=not inline, filename=path.name)
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:  # as the agents' file view: another format is downloaded, and sandboxed should it be opened
        response["Content-Security-Policy"] = "sandbox"
    return response
