"""The chat: pages that work without JavaScript, enhanced by relais.js (answers appended in place)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Max, OuterRef, Q, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relais.assistant.feedback import record_feedback
from relais.assistant.forms import MAX_QUESTION_CHARS, FeedbackForm, QuestionForm, RenameForm
from relais.assistant.keepers import what_keeps
from relais.assistant.models import Conversation, Exchange
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.assistant.rendering import render_document
from relais.assistant.suggestions import example_questions
from relais.assistant.templatetags.french_dates import french_date
from relais.assistant.throttle import TOO_MANY, ask_allowed, client_address
from relais.knowledge.models import Document

# Set by relais.js: answer with the HTML of the new exchange only, not a redirect.
FRAGMENT_HEADER = "X-Relais-Fragment"
AGENT_AUDIENCES = frozenset({"agents"})
HISTORY_LENGTH = 30  # the sidebar's latest conversations
SEARCH_LENGTH = 50  # and the most a search lists
MAX_SEARCH_CHARS = 100

# What opening one of their conversations does besides showing it, contributed by the apps above the assistant,
# which it cannot import: the helpdesk marks the notifications about it read (helpdesk/notifications.py).
ConversationOpened = Callable[[HttpRequest, Conversation], object]
_when_opened: list[ConversationOpened] = []


def on_conversation_opened(hook: ConversationOpened) -> None:
    if hook not in _when_opened:
        _when_opened.append(hook)


def _wants_fragment(request: HttpRequest) -> bool:
    return request.headers.get(FRAGMENT_HEADER) == "1"


@dataclass
class HistoryItem:
    pk: int
    name: str
    last_at: datetime


@dataclass
class HistoryDay:
    label: str  # « Aujourd'hui », « Hier », « 4 décembre », « 28 décembre 2024 »
    items: list[HistoryItem] = field(default_factory=list)


def day_label(day, today) -> str:
    if day == today:
        return "Aujourd'hui"
    if day == today - timedelta(days=1):
        return "Hier"
    label = french_date(day)
    return label.removesuffix(f" {day.year}") if day.year == today.year else label


def _history(request: HttpRequest, search: str = "") -> list[HistoryDay]:
    """The user's conversations, latest activity first, grouped by its day; with a search, those whose name or
    one of whose questions holds it. Each is named by the agent, else by its first question."""
    first_question = (
        Exchange.objects.filter(conversation=OuterRef("pk")).order_by("created_at", "pk").values("question")
    )
    conversations = (
        Conversation.objects.of(request.user)
        .annotate(first_question=Subquery(first_question[:1]), last_at=Max("exchanges__created_at"))
        .filter(first_question__isnull=False)
        .order_by("-last_at", "-pk")
    )
    if search:
        asked = Exchange.objects.filter(question__icontains=search).values("conversation_id")
        conversations = conversations.filter(Q(title__icontains=search) | Q(pk__in=asked))
    today = timezone.localdate()
    days: list[HistoryDay] = []
    for conversation in conversations[: SEARCH_LENGTH if search else HISTORY_LENGTH]:
        label = day_label(timezone.localdate(conversation.last_at), today)
        if not days or days[-1].label != label:
            days.append(HistoryDay(label))
        item = HistoryItem(conversation.pk, conversation.name(conversation.first_question), conversation.last_at)
        days[-1].items.append(item)
    return days


def _search(request: HttpRequest) -> str:
    return " ".join(request.GET.get("q", "").split())[:MAX_SEARCH_CHARS]


def _exchanges(conversation: Conversation | None):
    if conversation is None:
        return []
    return conversation.exchanges.select_related("feedback", "offered_procedure").order_by("created_at", "pk")


def _chat_page(request, conversation: Conversation | None, form: QuestionForm, status: int = 200) -> HttpResponse:
    exchanges = list(_exchanges(conversation))
    search = _search(request)
    history = _history(request, search)
    context = {
        "conversation": conversation,
        "conversation_name": conversation.name(exchanges[0].question if exchanges else "") if conversation else "",
        "exchanges": exchanges,
        "history": history,
        "search": search,
        "found": sum(len(day.items) for day in history),
        "examples": [] if exchanges else example_questions(AGENT_AUDIENCES),
        "form": form,
        "feedback_form": FeedbackForm(),
        "tickets": conversation.tickets.prefetch_related("messages__author") if conversation else [],
    }
    return render(request, "assistant/chat.html", context, status=status)


def _own_conversation(request: HttpRequest, conversation_id: int) -> Conversation:
    """One of the user's conversations (not deleted); any other is « not found »."""
    return get_object_or_404(Conversation.objects.of(request.user), pk=conversation_id)


@login_required
@require_GET
def chat(request: HttpRequest, conversation_id: int | None = None) -> HttpResponse:
    conversation = None
    if conversation_id is not None:
        conversation = _own_conversation(request, conversation_id)
        for hook in _when_opened:
            hook(request, conversation)
    # « Modifier » under a question, without JavaScript: the question comes back in the field (?question=).
    question = request.GET.get("question", "")[:MAX_QUESTION_CHARS]
    form = QuestionForm(initial={"conversation": conversation.pk if conversation else None, "question": question})
    return _chat_page(request, conversation, form)


@login_required
@require_POST
def ask_question(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST)
    conversation = None
    if form.is_valid() and form.cleaned_data["conversation"]:
        conversation = Conversation.objects.of(request.user).filter(pk=form.cleaned_data["conversation"]).first()
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
    exchange = get_object_or_404(
        Exchange, pk=exchange_id, conversation__user=request.user, conversation__hidden_at__isnull=True
    )
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


@login_required
@require_http_methods(["GET", "POST"])
def rename_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Name a conversation (the chat's inline form posts here; the page itself serves without it or on errors)."""
    conversation = _own_conversation(request, conversation_id)
    form = RenameForm(request.POST or None, initial={"title": conversation.name()})
    if request.method == "POST" and form.is_valid():
        conversation.title = form.cleaned_data["title"]
        conversation.save(update_fields=["title"])
        messages.success(request, f"Conversation renommée « {conversation.title} ».")
        return redirect("conversation", conversation.pk)
    context = {"conversation": conversation, "conversation_name": conversation.name(), "form": form}
    return render(request, "assistant/conversation_rename.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def delete_conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Delete a conversation from the agent's view, after a confirmation page.

    The agent no longer sees it (list, search, address, API); its exchanges stay in the log until the retention
    purge erases them with every other (RELAIS_RETENTION_DAYS): the log is what the 15 % measurement and the gap
    pages read, and what a ticket opened from it points to. A conversation with a ticket still open is kept:
    the agent follows the ticket there.
    """
    conversation = _own_conversation(request, conversation_id)
    name, tickets = conversation.name(), what_keeps(conversation)
    if request.method == "POST" and not tickets:
        conversation.hidden_at = timezone.now()
        conversation.save(update_fields=["hidden_at"])
        messages.success(request, f"Conversation « {name} » supprimée.")
        return redirect("chat")
    context = {
        "conversation": conversation,
        "conversation_name": name,
        "open_tickets": tickets,
        "retention_days": settings.RELAIS.retention_days,
    }
    status = 409 if tickets and request.method == "POST" else 200
    return render(request, "assistant/conversation_delete.html", context, status=status)


@dataclass(frozen=True)
class DocumentPassage:
    pk: int  # its anchor on the page, #passage-<pk>
    html: SafeString  # its text with the headings it opens (assistant/rendering.py)


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
        "passages": document_passages(document),
        "original_available": Path(document.source).is_file(),
    }
    return render(request, "assistant/document.html", context)


def document_passages(document: Document) -> list[DocumentPassage]:
    """A document's passages rendered as its page shows them, each with its id for its `#passage-<id>` anchor
    (the agents' page and the citizens' page alike)."""
    passages = list(document.passages.order_by("position").only("pk", "section_path", "text"))
    bodies = render_document([(passage.section_path, passage.text) for passage in passages])
    return [DocumentPassage(p.pk, body) for p, body in zip(passages, bodies, strict=True)]


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
