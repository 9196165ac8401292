"""The chat's answers as formatted text, the follow-up questions offered under them, and the text a copy takes."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from relais.assistant import suggestions
from relais.assistant.models import Exchange
from relais.assistant.rendering import render_answer, safe_markdown
from relais.assistant.views import AGENT_AUDIENCES

register = template.Library()


@register.filter
def answer_html(exchange: Exchange) -> SafeString:
    """The answer as safe HTML, its markers « [n] » linked to the sources listed under it."""
    return render_answer(exchange.answer, exchange.pk, len(exchange.citations or []))


@register.filter
def passage_html(text: str) -> SafeString:
    """A cited passage as safe HTML (its lists and tables formatted), without links."""
    return mark_safe(safe_markdown(text))  # escaped, then cleaned (assistant/rendering.py)


@register.simple_tag
def follow_ups(exchange: Exchange) -> list[str]:
    return suggestions.follow_ups(exchange, AGENT_AUDIENCES)


@register.filter
def copy_text(exchange: Exchange) -> str:
    """What « Copier la réponse » puts on the clipboard: the answer as written, then its sources."""
    lines = [exchange.answer.strip()]
    if exchange.citations:
        lines += ["", "Sources :"]
        for number, citation in enumerate(exchange.citations, 1):
            section = " › ".join(citation.get("section") or [])
            lines.append(f"[{number}] {citation.get('document', '')}{f' › {section}' if section else ''}")
    return "\n".join(lines)
