"""The HTTP API under /api/v1/ (django-ninja, OpenAPI schema at /api/v1/openapi.json).

Authentication: the browser session (with its CSRF token) or an API token
(`Authorization: Bearer rls_…`, created by `relais token create`). The schema and its page need it too.

Every answer of an operation is JSON, errors included, with a `detail` in French: 400 for an unreadable body,
401 without credentials, 403 when signed in but not allowed (charter not accepted, CSRF token missing), 404, 405,
413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE, 422 for invalid input (`errors`: each field's location, error type
and French message; control characters other than tab and line breaks are refused in any text), 429.
"""

from __future__ import annotations

from functools import wraps
from inspect import iscoroutinefunction
from typing import Literal

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern
from ninja import Field, NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.parser import Parser
from ninja.security import APIKeyCookie, APIKeyHeader, HttpBearer
from ninja.utils import check_csrf

from relais.accounts.charter import needs_acceptance
from relais.accounts.middleware import CHARTER_REQUIRED
from relais.accounts.models import ApiToken
from relais.assistant.feedback import record_feedback
from relais.assistant.forms import MAX_QUESTION_CHARS
from relais.assistant.models import Conversation, Exchange
from relais.assistant.payload import answer_payload, exchange_payload
from relais.assistant.pipeline import EmptyQuestion, ask
from relais.assistant.throttle import TOO_MANY, ask_allowed, client_address

AGENT_AUDIENCES = frozenset({"agents"})

AUTHENTICATION_REQUIRED = (
    "Authentification requise : envoyez un jeton d'API (en-tête « Authorization: Bearer rls_… » ou « X-API-Key ») "
    "ou connectez-vous à Relais."
)
CSRF_FAILED = (
    "Vérification CSRF échouée : avec la session du navigateur, envoyez le jeton CSRF dans l'en-tête « X-CSRFToken »."
)
NOT_FOUND = "Introuvable."
TOO_LARGE = "La requête est trop volumineuse (limite : {size})."
UNREADABLE_BODY = "Corps de la requête illisible : envoyez un objet JSON encodé en UTF-8."
REFUSED = "Requête refusée."
FORBIDDEN = "Accès refusé."
INVALID = "Requête invalide : vérifiez les champs indiqués."

# C0 control characters other than tab, line feed and carriage return (NUL first) are refused in every text sent to
# the API, as the web forms refuse NUL: a 422, nothing stored. The rule is a pattern, so the schema states it too.
NO_CONTROL_CHARACTERS = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f]*$"
CONTROL_REFUSED = "Caractère de contrôle interdit (seuls la tabulation et le retour à la ligne sont permis)."


def text_field(default, **options):
    """A text input, refused (422) when it holds a control character other than tab and line breaks."""
    return Field(default, pattern=NO_CONTROL_CHARACTERS, **options)


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


class SessionAuth(APIKeyCookie):
    """The browser session; its CSRF token is checked only once a session is there.

    Ninja's own session auth checks CSRF first, so a call without any credentials got 403 « CSRF check Failed »
    instead of 401.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request):
            raise HttpError(403, CSRF_FAILED)
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None):
        return request.user if request.user.is_authenticated else None


class LimitedParser(Parser):
    """JSON bodies, refused when larger than DATA_UPLOAD_MAX_MEMORY_SIZE even without a Content-Length."""

    def parse_body(self, request: HttpRequest):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and len(request.body) > limit:
            raise RequestDataTooBig()
        return super().parse_body(request)


def _caller(request: HttpRequest):
    """The signed-in user of this request (token or session), or None."""
    for auth in (TokenAuth(), TokenHeaderAuth()):
        user = auth(request)
        if user:
            return user
    return request.user if request.user.is_authenticated else None


def _signed_in_only(view):
    """The schema and its page, for signed-in users only: a 401 for the schema, the sign-in page for the docs."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            user = _caller(request)
        except HttpError as error:  # a token whose user has not accepted the charter
            return JsonResponse({"detail": error.message}, status=error.status_code)
        if user is None:
            if request.resolver_match and request.resolver_match.url_name == "openapi-view":
                return redirect_to_login(request.get_full_path())
            return _unauthorized(JsonResponse({"detail": AUTHENTICATION_REQUIRED}, status=401))
        return view(request, *args, **kwargs)

    return wrapper


def _unauthorized(response: HttpResponse) -> HttpResponse:
    response["WWW-Authenticate"] = 'Bearer realm="Relais"'
    return response


def _json_not_allowed(view):
    """Ninja answers a method an operation does not have with a 405 in plain English text: JSON, in French."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code != 405:
            return response
        allowed = response.get("Allow", "")
        detail = f"Méthode non permise : {' ou '.join(allowed.split(', '))} seulement."
        not_allowed = JsonResponse({"detail": detail}, status=405)
        not_allowed["Allow"] = allowed
        return not_allowed

    return wrapper


class ApiDocs(Swagger):
    """The page at /api/v1/docs: Swagger UI from django-ninja's own static files (no CDN), in a French page of the
    town (``lang="fr"``, header, main landmark, skip link), its colours darkened to 4.5:1 contrast
    (assistant/api_docs.html). No deep links: Swagger UI writes each as a link inside its operation's button,
    a control nested in a control that keyboards and screen readers cannot reach (axe: nested-interactive)."""

    template = "assistant/api_docs.html"
    default_settings = {"layout": "BaseLayout", "deepLinking": False}

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs) -> HttpResponse:
        schema_url = self.get_openapi_url(api, kwargs)
        context = {
            "swagger_settings": {**self.settings, "url": schema_url},
            "schema_url": schema_url,
            "add_csrf": any(getattr(auth, "csrf", False) for auth in _auths(api)),
        }
        return render(request, self.template, context)


def _auths(api: NinjaAPI) -> list:
    return list(api.auth) if isinstance(api.auth, list | tuple) else [api.auth]


class RelaisAPI(NinjaAPI):
    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern) and not iscoroutinefunction(pattern.callback):
                pattern.callback = _json_not_allowed(pattern.callback)
        return urls


api = RelaisAPI(
    title="Relais API",
    version="1",
    description="Questions RH et informatiques des agents, réponses tirées des documents de la ville, sources citées.",
    auth=[TokenAuth(), TokenHeaderAuth(), SessionAuth()],
    urls_namespace="api",
    parser=LimitedParser(),
    docs=ApiDocs(),
    docs_decorator=_signed_in_only,
)


class AskIn(Schema):
    question: str = text_field(
        ..., min_length=1, max_length=MAX_QUESTION_CHARS, description="La question, en français."
    )
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
    source: str = Field(
        ..., description="La page du document cité dans Relais (`/documents/<id>/`, avec le lien vers le fichier)."
    )
    collection: str = Field("", description="La collection du document cité.")
    audience: str = Field("", description="Son public : agents ou public (vide si le document a été supprimé).")


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
    comment: str = text_field("", max_length=1000)


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
    title: str = Field(..., description="Son nom : celui que l'agent lui a donné, sinon sa première question.")
    first_question: str
    exchanges: int


class ConversationDetailOut(Schema):
    id: int
    created_at: str
    exchanges: list[ExchangeOut]


class ErrorOut(Schema):
    detail: str = Field(..., description="Ce qui ne va pas, en français.")


class FieldError(Schema):
    loc: list[str | int] = Field(..., description="Où : `body`, `query` ou `path`, puis le champ.")
    type: str = Field(..., description="Le type d'erreur (pydantic), stable, pour les programmes.")
    msg: str = Field(..., description="L'erreur, en français.")


class ValidationErrorOut(Schema):
    detail: str
    errors: list[FieldError]


# What any operation may answer besides its own outcomes.
ERRORS = {frozenset({400, 401, 403, 404, 413}): ErrorOut, 422: ValidationErrorOut}

# French messages for pydantic's error types; `{name}` takes the error's context.
MESSAGES = {
    "missing": "Champ obligatoire.",
    "string_type": "Texte attendu.",
    "string_too_short": "Trop court : au moins {min_length} caractère(s).",
    "string_too_long": "Trop long : au plus {max_length} caractères.",
    "string_pattern_mismatch": CONTROL_REFUSED,  # the only pattern: text_field's
    "string_unicode": "Texte Unicode attendu.",
    "int_type": "Nombre entier attendu.",
    "int_parsing": "Nombre entier attendu.",
    "int_parsing_size": "Nombre entier trop grand.",
    "int_from_float": "Nombre entier attendu.",
    "bool_type": "Booléen attendu.",
    "bool_parsing": "Booléen attendu.",
    "greater_than": "Doit être supérieur à {gt}.",
    "greater_than_equal": "Doit être supérieur ou égal à {ge}.",
    "less_than": "Doit être inférieur à {lt}.",
    "less_than_equal": "Doit être inférieur ou égal à {le}.",
    "literal_error": "Valeur non permise : {expected}.",
    "enum": "Valeur non permise : {expected}.",
    "model_attributes_type": "Objet JSON attendu.",
    "model_type": "Objet JSON attendu.",
    "dict_type": "Objet JSON attendu.",
    "list_type": "Liste attendue.",
    "json_invalid": UNREADABLE_BODY,
    "extra_forbidden": "Champ inconnu.",
}


def french_message(error: dict) -> str:
    kind, context = error.get("type", ""), error.get("ctx") or {}
    if kind == "value_error" and "error" in context:  # our own validators' message, already in French
        return str(context["error"])
    if kind in ("literal_error", "enum"):
        context = {**context, "expected": str(context.get("expected", "")).replace(" or ", " ou ")}
    try:
        return MESSAGES[kind].format(**context)
    except (KeyError, IndexError):
        return "Valeur invalide."


def _field_errors(errors: list[dict]) -> list[dict]:
    return [
        {"loc": [p if isinstance(p, int) else str(p) for p in e.get("loc", ())], "type": e.get("type", ""),
         "msg": french_message(e)}
        for e in errors
    ]  # fmt: skip


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    """422 with the field errors (location, type, French message), and a sentence a person can read."""
    return api.create_response(request, {"detail": INVALID, "errors": _field_errors(exc.errors)}, status=422)


@api.exception_handler(AuthenticationError)
def authentication_error(request, exc: AuthenticationError):
    return _unauthorized(api.create_response(request, {"detail": AUTHENTICATION_REQUIRED}, status=401))


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    """Our own errors carry a French message; ninja's own (an unreadable body) get one here."""
    if isinstance(exc.__cause__, RequestDataTooBig):
        return too_large(request, exc.__cause__)
    message = exc.message
    if exc.status_code == 400 and message.startswith("Cannot parse request body"):
        message = UNREADABLE_BODY
    elif isinstance(exc, AuthorizationError):
        message = FORBIDDEN
    return api.create_response(request, {"detail": message}, status=exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc: Http404):
    return api.create_response(request, {"detail": NOT_FOUND}, status=404)


@api.exception_handler(RequestDataTooBig)
def too_large(request, exc: RequestDataTooBig):
    detail = TOO_LARGE.format(size=readable_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0))
    return api.create_response(request, {"detail": detail}, status=413)


def readable_size(size: int) -> str:
    for unit, name in ((1 << 20, "Mo"), (1 << 10, "Ko")):
        if size >= unit:
            return f"{size / unit:.3g} {name}"
    return f"{size} octets"


@api.exception_handler(SuspiciousOperation)
def suspicious(request, exc: SuspiciousOperation):
    return api.create_response(request, {"detail": REFUSED}, status=400)


@api.post("/ask", response={200: AnswerOut, 429: ErrorOut, **ERRORS}, summary="Poser une question")
def ask_endpoint(request, payload: AskIn):
    if not ask_allowed(request.user.pk, client_address(request)):
        raise HttpError(429, TOO_MANY)
    conversation = None
    if payload.conversation_id is not None:
        conversation = get_object_or_404(Conversation.objects.of(request.user), pk=payload.conversation_id)
    try:
        result = ask(payload.question, user=request.user, conversation=conversation, audiences=AGENT_AUDIENCES)
    except EmptyQuestion:
        empty = {"loc": ["body", "payload", "question"], "type": "empty_question", "msg": "La question est vide."}
        return Status(422, {"detail": empty["msg"], "errors": [empty]})
    return answer_payload(result)


@api.post("/exchanges/{exchange_id}/feedback", response={200: FeedbackOut, **ERRORS}, summary="Donner son avis")
def feedback_endpoint(request, exchange_id: int, payload: FeedbackIn):
    exchange = get_object_or_404(
        Exchange, pk=exchange_id, conversation__user=request.user, conversation__hidden_at__isnull=True
    )
    # The web page's path too: the comment is masked before it is stored.
    feedback = record_feedback(
        exchange, request.user, rating=payload.rating, reason=payload.reason, comment=payload.comment
    )
    return {
        "exchange_id": exchange.pk,
        "rating": feedback.rating,
        "reason": feedback.reason,
        "comment": feedback.comment,
    }


@api.get("/conversations", response={200: list[ConversationOut], **ERRORS}, summary="Mes conversations")
def conversations_endpoint(request, limit: int = 20):
    conversations = Conversation.objects.of(request.user).prefetch_related("exchanges")[: max(1, min(limit, 100))]
    out = []
    for conversation in conversations:
        exchanges = sorted(conversation.exchanges.all(), key=lambda e: (e.created_at, e.pk))
        if exchanges:
            out.append(
                {
                    "id": conversation.pk,
                    "created_at": conversation.created_at.isoformat(),
                    "title": conversation.name(exchanges[0].question),
                    "first_question": exchanges[0].question,
                    "exchanges": len(exchanges),
                }
            )
    return out


@api.get(
    "/conversations/{conversation_id}", response={200: ConversationDetailOut, **ERRORS}, summary="Une conversation"
)
def conversation_endpoint(request, conversation_id: int):
    conversation = get_object_or_404(Conversation.objects.of(request.user), pk=conversation_id)
    exchanges = conversation.exchanges.select_related("feedback").order_by("created_at", "pk")
    return {
        "id": conversation.pk,
        "created_at": conversation.created_at.isoformat(),
        "exchanges": [exchange_payload(e) for e in exchanges],
    }


# The public mode's anonymous endpoints (public_api.py), by import path: that module imports this one.
api.add_router("/public", "relais.assistant.public_api.router")
