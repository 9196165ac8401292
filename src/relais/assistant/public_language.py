"""The visitor's language on the citizens' assistant (issue 20): the note that the answer quotes French pages.

The town's pages are in French; the multilingual embedder finds them from a question in English, Spanish,
Portuguese or Arabic (relais.engine.language.detect says which). The answer itself stays the French extract, so a
visitor who wrote in another language is told, in that language, that it quotes the town's French documents.
The note is marked with its language and direction in the page (WCAG 3.1.2, language of parts); the other phrases
(relais.engine.language.PHRASES: sources, whom to contact, open now…) are there for the templates that show them.
"""

from __future__ import annotations

from relais.engine.answers.extractive import NOT_FOUND
from relais.engine.language import FRENCH, detect, phrase, text_direction


def language_note(question: str) -> dict | None:
    """``{"language": "en", "note": "This answer quotes…", "dir": "ltr"}`` for a question in another language
    than French, ``None`` for a French one (or one the detector is unsure of: French is the default)."""
    language = detect(question)
    if language == FRENCH:
        return None
    return {"language": language, "note": phrase(language, "quotes_french"), "dir": text_direction(language)}


def answer_language(question: str, payload: dict) -> dict | None:
    """The ``language`` key of a visitor's answer payload (public_views.public_payload), for a question in another
    language than French: the note when the answer quotes the town's pages (extract, curated FAQ answer,
    generated answer: all French), the abstention sentence in the visitor's language when it found nothing, and
    nothing over any other fixed answer (the question guard's, the personal-situation one), which quotes no page:
    a note saying it does would be false. ``None`` for a French question."""
    note = language_note(question)
    if note is None or payload["citations"]:
        return note
    if payload["answer"] == NOT_FOUND:
        return {**note, "note": phrase(note["language"], "not_found")}
    return None
