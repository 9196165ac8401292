"""The anonymous API of the public mode, under /api/v1/public/, mounted by api.py by its import path
(`api.add_router("/public", "relais.assistant.public_api.router")`): import api.py, not this module, first.

No credentials: a visitor's question, answered from the public collections only (public_views.ask_public), with
the agents' answer payload (public_views.public_payload). Every citation names its collection and `audience`, and
its `source` is the public document page (`/citoyens/documents/<id>/`). Plain JSON, without session or CSRF token
(django-ninja's views are CSRF-exempt, and without authentication nothing checks a token), throttled per address
per minute and per day, and for all visitors per day (429); while the admin pauses the citizens' assistant, 503
with the town's contact message as `detail`, before any search.
The payload's `exchange_id` and `conversation_id` are `null`: a visitor has nothing to continue, and the log's
sequential ids would tell anyone how much the agents use Relais. The API's French errors (api.py) apply here too.
"""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from relais.assistant.api import ERRORS, AnswerOut, CitationOut, ErrorOut, text_field
from relais.assistant.forms import MAX_QUESTION_CHARS
from relais.assistant.pipeline import EmptyQuestion
from relais.assistant.public_views import ask_public, public_payload, refusal

router = Router(auth=None, tags=["public"])


class PublicAskIn(Schema):
    question: str = text_field(
        ...,
        min_length=1,
        max_length=MAX_QUESTION_CHARS,
        description="La question (en français, anglais, espagnol, portugais ou arabe).",
    )


class PublicCitationOut(CitationOut):
    collection: str = Field(..., description="La collection du document cité.")
    audience: Literal["public"] = Field(..., description="Son public : toujours `public` ici.")


class HandoverOut(Schema):
    service: str = Field(
        ...,
        description="Le service des pages les plus proches de la question, sinon l'accueil de la mairie.",
    )
    label: str = Field(..., description="Son nom affiché.")
    phone: str
    email: str
    address: str
    hours: list[str] = Field(..., description="Ses horaires d'ouverture, une ligne par groupe de jours.")
    public_holidays_closed: bool = Field(..., description="Fermé les jours fériés.")
    notes: str = Field(..., description="Précisions (rendez-vous, astreinte…).")
    open_now: bool = Field(..., description="Ouvert au moment de la réponse (heure de la commune).")
    status: str = Field(..., description="La même chose en une phrase : « Ouvert en ce moment, jusqu'à 17 h 30. »")
    contact_form: bool = Field(..., description="Le service reçoit des demandes écrites (POST /citoyens/contact/).")
    contact_retention_days: int = Field(..., description="Jours de conservation des coordonnées d'une demande écrite.")


class PublicLanguageOut(Schema):
    language: Literal["en", "es", "pt", "ar"] = Field(..., description="La langue de la question (ISO 639-1).")
    note: str = Field(
        ...,
        description="Dans cette langue : la réponse cite les documents de la commune, en français "
        "(ou : rien de fiable n'a été trouvé).",
    )
    dir: Literal["ltr", "rtl"] = Field(..., description="Le sens d'écriture de la note (attribut HTML dir).")


class PublicAnswerOut(AnswerOut):
    citations: list[PublicCitationOut]
    handover: HandoverOut | None = Field(
        None,
        description="Quand l'assistant ne répond pas ou n'est pas sûr : qui joindre, ses horaires, s'il est ouvert.",
    )
    language: PublicLanguageOut | None = Field(
        None, description="Question en anglais, espagnol, portugais ou arabe ; null pour une question en français."
    )


@router.post(
    "/ask",
    response={200: PublicAnswerOut, 429: ErrorOut, 503: ErrorOut, **ERRORS},
    summary="Poser une question (public, sans authentification)",
)
def public_ask_endpoint(request, payload: PublicAskIn):
    refused = refusal(request)
    if refused is not None:
        raise HttpError(refused.status, refused.message)
    try:
        result = ask_public(payload.question)
    except EmptyQuestion:
        empty = {"loc": ["body", "payload", "question"], "type": "empty_question", "msg": "La question est vide."}
        return Status(422, {"detail": empty["msg"], "errors": [empty]})
    return {**public_payload(result), "exchange_id": None, "conversation_id": None}
