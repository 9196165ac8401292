"""Saving an agent's 👍/👎 on an answer: the one function the web page and the API both call."""

from __future__ import annotations

from django.urls import reverse

from relais.assistant.models import Exchange, Feedback
from relais.engine.privacy.pii import TYPES, guard_free_text
from relais.knowledge.workspace import FeedbackNote


def record_feedback(exchange: Exchange, user, *, rating: str, reason: str = "", comment: str = "") -> Feedback:
    """The agent's opinion on ``exchange`` (the latest click wins), its comment masked before it is stored.

    Every type of personal data is masked in the comment (``TYPES``), not only those the charter keeps out of
    the tool: a comment is about the answer, needs nothing personal, and the référents and the steering
    dashboards read it.
    """
    feedback, _ = Feedback.objects.update_or_create(
        exchange=exchange,
        defaults={
            "user": user,
            "rating": rating,
            "reason": reason if rating == Feedback.Rating.DOWN else "",
            "comment": guard_free_text(comment, TYPES)[0],
        },
    )
    return feedback


def feedback_notes(service: str, limit: int) -> list[FeedbackNote]:
    """The latest opinions on answers drawn from this service's documents (Exchange.service), most recent first."""
    rows = Feedback.objects.filter(exchange__service=service).select_related("exchange").order_by("-created_at")
    return [
        FeedbackNote(
            useful=feedback.rating == Feedback.Rating.UP,
            reason=feedback.get_reason_display() if feedback.reason else "",
            comment=feedback.comment,
            question=feedback.exchange.question,
            given_at=feedback.created_at,
            url=reverse("admin:assistant_exchange_change", args=[feedback.exchange_id]),
        )
        for feedback in rows[:limit]
    ]
