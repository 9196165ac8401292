"""Saving an agent's 👍/👎 on an answer: the one function the web page and the API both call."""

from __future__ import annotations

from relais.assistant.models import Exchange, Feedback
from relais.engine.privacy.pii import TYPES, guard_free_text


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
