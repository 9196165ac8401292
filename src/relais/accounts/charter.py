"""The AI usage charter: the current version, who still has to accept it, and its safe rendering."""

from __future__ import annotations

from pathlib import Path

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

from relais.accounts.models import Charter, CharterAcceptance
from relais.audit.log import record


def current_charter() -> Charter | None:
    return Charter.objects.order_by("-version").first()


def needs_acceptance(user) -> bool:
    """True when a charter is published and this user has not accepted its latest version."""
    if not user.is_authenticated:
        return False
    charter = current_charter()
    return charter is not None and not CharterAcceptance.objects.filter(user=user, charter=charter).exists()


def accept(user, charter: Charter) -> CharterAcceptance:
    acceptance, _ = CharterAcceptance.objects.get_or_create(user=user, charter=charter)
    return acceptance


def render_charter(body: str) -> SafeString:
    """Markdown to HTML, sanitised: the charter is written in the admin, never trusted as raw HTML."""
    return mark_safe(nh3.clean(markdown.markdown(body, extensions=["sane_lists"])))


def publish_charter_file(path: Path) -> Charter:
    """Publish a Markdown file as a new charter version, unless it is already the current text."""
    text = path.read_text(encoding="utf-8").strip()
    first_line, _, rest = text.partition("\n")
    title = first_line.lstrip("# ").strip() if first_line.startswith("# ") else "Charte d'utilisation de l'assistant IA"
    body = rest.strip() if first_line.startswith("# ") else text
    current = current_charter()
    if current is not None and current.title == title and current.body == body:
        return current
    charter = Charter.objects.create(title=title, body=body)
    record("publication", target=charter, detail={"file": str(path)})
    return charter
