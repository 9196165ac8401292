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
        ..., min_length=1, max_length=MAX_QUESTION_CHARS, description="La question, en français."
    )


class PublicCitationOut(CitationOut):
    collection: str = Field(..., description="La collection du document cité.")
    audience: Literal["public"] = Field(..., description="Son public : toujours `public` ici.")


class PublicAnswerOut(AnswerOut):
    citations: list[PublicCitationOut]


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
