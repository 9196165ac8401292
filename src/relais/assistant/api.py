"""The HTTP API under /api/v1/ (django-ninja, OpenAPI schema at /api/v1/openapi.json).

Authentication: the browser session (with its CSRF token) or an API token
(`Authorization: Bearer rls_…`, created by `relais token create`).
"""

from __future__ import annotations

from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, NinjaAPI, Schema
from ninja.errors import HttpError, ValidationError
from ninja.security import APIKeyHeader, HttpBearer, django_auth

from relais.accounts.charter import needs_acceptance
from relais.accounts.middleware import CHARTER_REQUIRED
from relais.accounts.models import ApiToken
from relais.assistant.forms import MAX_QUESTION_CHARS
from relais.assistant.models import Conversation, Exchange, Feedback
from relais.assistant.payload import answer_payload, exchange_payload
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.assistant.throttle import TOO_MANY, ask_allowed, client_address

AGENT_AUDIENCES = frozenset({"agents"})


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        user = ApiToken.objects.authenticate(token)
        if user is not None:
            if needs_acceptance(user):
                raise HttpError(403, CHARTER_REQUIRED.format(url="/charte/"))
            request.user = user
        return user


class TokenHeaderAuth(APIKeyHeader):
    """The same token in `X-API-Key`, for tools that cannot set a Bearer header."""

    param_name = "X-API-Key"

    def authenticate(self, request, key: str | None):
        return TokenAuth().authenticate(request, key) if key else None


api = NinjaAPI(
    title="Relais API",
    version="1",
    description="Questions RH et informatiques des agents, réponses tirées des documents de la ville, sources citées.",
    auth=[TokenAuth(), TokenHeaderAuth(), django_auth],
    urls_namespace="api",
)


class AskIn(Schema):
    question: str = Field(..., min_length=1, max_length=MAX_QUESTION_CHARS, description="La question, en français.")
    conversation_id: int | None = Field(None, description="Poursuivre cette conversation (questions de suivi).")


class CitationOut(Schema):
    document_id: int
    document: str
    section: list[str]
    text: str = Field(..., description="Le passage entier.")
    quote: str = Field(..., description="Les phrases du passage reprises dans la réponse.")
    version: str
    valid_from: str | None
    valid_until: str | None
    source: str


class SuggestionOut(Schema):
    document_id: int
    document: str
    section: list[str]


class ProcedureOfferOut(Schema):
    slug: str
    title: str
    service: str
    start_url: str = Field(..., description="POST here (web session, with `exchange`) to start it pre-filled.")


class AnswerFlags(Schema):
    """How the chat shows an answer, in the answer and in the conversation history alike."""

    needs_check: bool = Field(
        False,
        description="The answer comes from the documentation but its confidence is under RELAIS_VERIFY_BELOW: "
        "show it as « à vérifier », with the contact.",
    )
    faq_question: str = Field(
        "", description="For a curated FAQ answer (mode faq), the question of the FAQ entry it answers; else empty."
    )


class AnswerOut(AnswerFlags):
    answer: str
    citations: list[CitationOut]
    confidence: float
    mode: Literal["faq", "extractive", "generated", "none"]
    contact: str
    suggestions: list[SuggestionOut]
    exchange_id: int | None
    conversation_id: int | None
    notice: str = Field("", description="Why the generated answer was replaced by the extractive one; empty if not.")
    procedure: ProcedureOfferOut | None = Field(
        None, description="A guided procedure the question asks to do (ordre de mission…), offered under the answer."
    )


class FeedbackIn(Schema):
    rating: Literal["up", "down"]
    reason: Literal["", "inexacte", "incomplete", "hors_sujet", "perimee", "autre"] = ""
    comment: str = Field("", max_length=1000)


class FeedbackOut(Schema):
    exchange_id: int
    rating: str
    reason: str
    comment: str


class ExchangeOut(AnswerFlags):
    exchange_id: int
    question: str
    answer: str
    mode: str
    confidence: float
    citations: list[CitationOut]
    asked_at: str
    feedback: str | None


class ConversationOut(Schema):
    id: int
    created_at: str
    first_question: str
    exchanges: int


class ConversationDetailOut(Schema):
    id: int
    created_at: str
    exchanges: list[ExchangeOut]


class ErrorOut(Schema):
    detail: str


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422 with the field errors, and a sentence a person can read."""
    return api.create_response(
        request, {"detail": "Requête invalide : vérifiez les champs indiqués.", "errors": exc.errors}, status=422
    )


@api.post("/ask", response={200: AnswerOut, 404: ErrorOut, 429: ErrorOut}, summary="Poser une question")
def ask_endpoint(request, payload: AskIn):
    if not ask_allowed(request.user.pk, client_address(request)):
        raise HttpError(429, TOO_MANY)
    conversation = None
    if payload.conversation_id is not None:
        conversation = get_object_or_404(Conversation, pk=payload.conversation_id, user=request.user)
    try:
        result = ask(payload.question, user=request.user, conversation=conversation, audiences=AGENT_AUDIENCES)
    except EmptyQuestion:
        raise HttpError(422, "La question est vide.") from None
    return answer_payload(result)


@api.post("/exchanges/{exchange_id}/feedback", response={200: FeedbackOut, 404: ErrorOut}, summary="Donner son avis")
def feedback_endpoint(request, exchange_id: int, payload: FeedbackIn):
    exchange = get_object_or_404(Exchange, pk=exchange_id, conversation__user=request.user)
    feedback, _ = Feedback.objects.update_or_create(
        exchange=exchange,
        defaults={
            "user": request.user,
            "rating": payload.rating,
            "reason": payload.reason if payload.rating == "down" else "",
            "comment": payload.comment,
        },
    )
    return {
        "exchange_id": exchange.pk,
        "rating": feedback.rating,
        "reason": feedback.reason,
        "comment": feedback.comment,
    }


@api.get("/conversations", response=list[ConversationOut], summary="Mes conversations")
def conversations_endpoint(request, limit: int = 20):
    conversations = Conversation.objects.filter(user=request.user).prefetch_related("exchanges")[
        : max(1, min(limit, 100))
    ]
    out = []
    for conversation in conversations:
        exchanges = sorted(conversation.exchanges.all(), key=lambda e: (e.created_at, e.pk))
        if exchanges:
            out.append(
                {
                    "id": conversation.pk,
                    "created_at": conversation.created_at.isoformat(),
                    "first_question": exchanges[0].question,
                    "exchanges": len(exchanges),
                }
            )
    return out


@api.get(
    "/conversations/{conversation_id}", response={200: ConversationDetailOut, 404: ErrorOut}, summary="Une conversation"
)
def conversation_endpoint(request, conversation_id: int):
    conversation = get_object_or_404(Conversation, pk=conversation_id, user=request.user)
    exchanges = conversation.exchanges.select_related("feedback").order_by("created_at", "pk")
    return {
        "id": conversation.pk,
        "created_at": conversation.created_at.isoformat(),
        "exchanges": [exchange_payload(e) for e in exchanges],
    }
