"""The chat: pages that work without JavaScript, enhanced by relais.js (answers appended in place)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import OuterRef, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from relais.assistant.feedback import record_feedback
from relais.assistant.forms import FeedbackForm, QuestionForm
from relais.assistant.models import Conversation, Exchange
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.assistant.throttle import TOO_MANY, ask_allowed, client_address
from relais.knowledge.models import Document

# Set by relais.js: answer with the HTML of the new exchange only, not a redirect.
FRAGMENT_HEADER = "X-Relais-Fragment"
AGENT_AUDIENCES = frozenset({"agents"})
HISTORY_LENGTH = 20


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


def _history(request: HttpRequest):
    """The user's latest conversations, each named by its first question."""
    first_question = (
        Exchange.objects.filter(conversation=OuterRef("pk")).order_by("created_at", "pk").values("question")
    )
    return (
        Conversation.objects.filter(user=request.user)
        .annotate(first_question=Subquery(first_question[:1]))
        .filter(first_question__isnull=False)[:HISTORY_LENGTH]
    )


def _exchanges(conversation: Conversation | None):
    if conversation is None:
        return []
    return conversation.exchanges.select_related("feedback", "offered_procedure").order_by("created_at", "pk")


def _chat_page(request, conversation: Conversation | None, form: QuestionForm, status: int = 200) -> HttpResponse:
    context = {
        "conversation": conversation,
        "exchanges": _exchanges(conversation),
        "history": _history(request),
        "form": form,
        "feedback_form": FeedbackForm(),
        "tickets": conversation.tickets.prefetch_related("messages__author") if conversation else [],
    }
    return render(request, "assistant/chat.html", context, status=status)


@login_required
@require_GET
def chat(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=conversation_id, user=request.user)
    form = QuestionForm(initial={"conversation": conversation.pk if conversation else None})
    return _chat_page(request, conversation, form)


@login_required
@require_POST
def ask_question(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST)
    conversation = None
    if form.is_valid() and form.cleaned_data["conversation"]:
        conversation = Conversation.objects.filter(pk=form.cleaned_data["conversation"], user=request.user).first()
        if conversation is None:
            form.add_error(None, "Cette conversation n'existe pas ou ne vous appartient pas.")
    if form.is_valid() and not ask_allowed(request.user.pk, client_address(request)):
        if _wants_fragment(request):
            return HttpResponse(f'<div class="error-summary" role="alert"><p>{TOO_MANY}</p></div>', status=429)
        form.add_error(None, TOO_MANY)
        return _chat_page(request, conversation, form, status=429)
    if form.is_valid():
        try:
            result = ask(
                form.cleaned_data["question"], user=request.user, conversation=conversation, audiences=AGENT_AUDIENCES
            )
        except EmptyQuestion:
            form.add_error("question", "Écrivez votre question avant d'envoyer.")
    if not form.is_valid():
        if _wants_fragment(request):
            return render(request, "assistant/_errors.html", {"form": form}, status=400)
        return _chat_page(request, conversation, form, status=400)
    url = reverse("conversation", args=[result.conversation.pk])
    if _wants_fragment(request):
        response = render(
            request, "assistant/_exchange.html", {"exchange": result.exchange, "feedback_form": FeedbackForm()}
        )
        response["X-Relais-Conversation"] = url
        return response
    return redirect(f"{url}#echange-{result.exchange.pk}")


@login_required
@require_POST
def give_feedback(request: HttpRequest, exchange_id: int) -> HttpResponse:
    exchange = get_object_or_404(Exchange, pk=exchange_id, conversation__user=request.user)
    form = FeedbackForm(request.POST)
    if form.is_valid():
        record_feedback(exchange, request.user, **form.cleaned_data)
        exchange.refresh_from_db()
    status = 200 if form.is_valid() else 400
    if _wants_fragment(request):
        context = {
            "exchange": exchange,
            "feedback_form": form if not form.is_valid() else FeedbackForm(),
            "saved": True,
        }
        return render(request, "assistant/_feedback.html", context, status=status)
    if not form.is_valid():
        return _chat_page(request, exchange.conversation, QuestionForm(), status=400)
    return redirect(f"{reverse('conversation', args=[exchange.conversation_id])}#echange-{exchange.pk}")


def _readable_document(request: HttpRequest, document_id: int) -> Document:
    document = get_object_or_404(Document.objects.select_related("collection"), pk=document_id)
    if document.collection.audience not in AGENT_AUDIENCES and not request.user.is_staff:
        raise Http404("Document introuvable")
    return document


@login_required
@require_GET
def document(request: HttpRequest, document_id: int) -> HttpResponse:
    document = _readable_document(request, document_id)
    context = {
        "document": document,
        "passages": document.passages.order_by("position"),
        "original_available": Path(document.source).is_file(),
    }
    return render(request, "assistant/document.html", context)


# Formats a browser shows without running anything: served in the page. Anything else (an uploaded HTML page) is
# downloaded, and sandboxed should it be opened anyway, so it can neither script nor redirect the app's origin.
INLINE_SUFFIXES = frozenset({".pdf", ".odt", ".docx", ".txt", ".md", ".markdown"})


@login_required
@require_GET
def document_file(request: HttpRequest, document_id: int) -> FileResponse:
    document = _readable_document(request, document_id)
    path = Path(document.source)
    if not path.is_file():
        raise Http404("Le fichier d'origine n'est plus disponible.")
    inline = path.suffix.lower() in INLINE_SUFFIXES
    response = FileResponse(path.open("rb"), as_attachment=not inline, filename=path.name)
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response["Content-Security-Policy"] = "sandbox"
    return response


@require_GET
def town_logo(request: HttpRequest) -> FileResponse:
    """The configured logo (RELAIS_TOWN_LOGO); none by default."""
    path = settings.RELAIS.town_logo
    if path is None or not path.is_file():
        raise Http404("Logo introuvable")
    content_type = "image/svg+xml" if path.suffix.lower() == ".svg" else "image/png"
    return FileResponse(path.open("rb"), content_type=content_type)
