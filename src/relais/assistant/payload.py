"""The one JSON shape of an answer, shared by `relais ask --json`, the API and the chat's script.

A citation's `source` is the cited document's page in Relais (`/documents/<id>/`, which links to the original
file), never the file's path on the server: the logged exchange keeps the path, only for the admin. Each citation
also names the collection of its document and that collection's `audience` (`agents` or `public`), so that a
reader of the payload sees which trust zone every passage comes from (the public mode, public_api.py, relies on it).
"""

from __future__ import annotations

from django.urls import reverse

from relais.assistant.models import Exchange
from relais.assistant.pipeline import AskResult, citation_payload
from relais.knowledge.models import Document


def answer_payload(result: AskResult) -> dict:
    answer = result.answer
    documents = Document.objects.select_related("collection").in_bulk([c.document_id for c in answer.citations])
    return {
        "answer": answer.text,
        "citations": [
            public_citation(citation_payload(c, documents.get(c.document_id)), documents.get(c.document_id))
            for c in answer.citations
        ],
        "confidence": answer.confidence,
        "mode": answer.mode,
        "needs_check": result.needs_check,
        "faq_question": answer.faq_question,
        "contact": result.contact,
        "suggestions": [
            {"document_id": s.document_id, "document": s.document_title, "section": list(s.section_path)}
            for s in answer.suggestions
        ],
        "exchange_id": result.exchange.pk if result.exchange else None,
        "conversation_id": result.conversation.pk if result.conversation else None,
        "notice": result.notice,
        "procedure": _procedure_offer(result),
    }


def public_citation(citation: dict, document: Document | None = None) -> dict:
    """A citation as shown outside the server: its `source` is the document's page, never a file path; with the
    collection and audience of its document (empty when the document is gone)."""
    document_id = citation.get("document_id")
    source = reverse("document", args=[document_id]) if isinstance(document_id, int) else ""
    collection = document.collection if document is not None else None
    return {
        **citation,
        "source": source,
        "collection": collection.name if collection else "",
        "audience": collection.audience if collection else "",
    }


def _cited_documents(citations: list[dict]) -> dict[int, Document]:
    ids = [c.get("document_id") for c in citations]
    return Document.objects.select_related("collection").in_bulk([i for i in ids if isinstance(i, int)])


def _procedure_offer(result: AskResult) -> dict | None:
    """The guided procedure the question asks to do, offered under the answer (started in the web app)."""
    procedure = result.procedure
    if procedure is None:
        return None
    return {
        "slug": procedure.slug,
        "title": procedure.title,
        "service": procedure.service,
        "start_url": reverse("procedure_start", args=[procedure.slug]),
    }


def exchange_payload(exchange: Exchange) -> dict:
    """An exchange as logged, for the conversation history."""
    feedback = getattr(exchange, "feedback", None)
    documents = _cited_documents(exchange.citations)
    return {
        "exchange_id": exchange.pk,
        "question": exchange.question,
        "answer": exchange.answer,
        "mode": exchange.mode,
        "confidence": exchange.confidence,
        "needs_check": exchange.needs_check,
        "faq_question": exchange.faq_question,
        "citations": [public_citation(c, documents.get(c.get("document_id"))) for c in exchange.citations],
        "asked_at": exchange.created_at.isoformat(),
        "feedback": feedback.rating if feedback else None,
    }
