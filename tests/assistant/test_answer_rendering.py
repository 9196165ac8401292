"""Answers and cited passages read as formatted text (lists, tables, emphasis) from a safe Markdown subset.

The text comes from documents uploaded by référents: whatever HTML or script it holds is shown as text, never run.
The exchange is rendered as the chat shows it (the page, the fragment and the streamed answer share the template).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from relais.assistant.forms import FeedbackForm
from relais.assistant.models import Conversation, Exchange
from relais.assistant.rendering import render_answer, safe_markdown
from relais.knowledge.models import Collection, Document

pytestmark = pytest.mark.django_db

HOSTILE = (
    "Voici la règle <script>alert('x')</script> et <img src=x onerror=alert(1)>.\n"
    '<a href="javascript:alert(2)">clic</a> [piège](javascript:alert(3)) ![suivi](https://traqueur.example/p.png)\n'
    "<iframe src=https://ailleurs.example></iframe> <b onmouseover=alert(4)>gras</b> <http://ailleurs.example>"
)
TABLE = (
    "Le barème :\n"
    "| Puissance fiscale | Jusqu'à 2 000 km | Au-delà |\n"
    "|---|:---:|---|\n"
    "| 5 CV et moins | 0,32 € | 0,23 € |\n"
    "| 6 et 7 CV | 0,41 € | 0,30 € |"
)


def exchange_with(answer: str, passage: str = "Le passage.") -> Exchange:
    collection = Collection.objects.create(name="RH", service="RH")
    document = Document.objects.create(
        collection=collection,
        source="/tmp/om.md",
        title="Ordre de mission",
        content_hash="x",
        ingested_at=timezone.now(),
    )
    citation = {"document_id": document.pk, "document": document.title, "section": ["Délais"], "text": passage}
    return Exchange.objects.create(
        conversation=Conversation.objects.create(),
        question="Quel délai ?",
        search_query="Quel délai ?",
        answer=answer,
        mode="extractive",
        confidence=0.8,
        latency_ms=1.0,
        citations=[citation, {**citation, "section": ["Contact"]}],
    )


def shown(exchange: Exchange) -> str:
    return render_to_string("assistant/_exchange.html", {"exchange": exchange, "feedback_form": FeedbackForm()})


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def test_html_and_scripts_in_an_answer_or_a_passage_stay_inert_text():
    page = shown(exchange_with(HOSTILE, passage=HOSTILE))
    elements = Elements(page).found
    assert not {tag for tag, _ in elements} & {"script", "img", "iframe", "b", "object", "embed"}
    assert not [name for _, attrs in elements for name in attrs if name.startswith("on")]
    links = [attrs["href"] for tag, attrs in elements if tag == "a"]
    assert all(href.startswith(("/", "#")) for href in links), links  # the app's own pages and sources only
    # Shown as the text it is, escaped once
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in page and "&amp;lt;" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_only_the_allowed_tags_come_out_of_the_markdown():
    html = safe_markdown("# Titre\n\n> citation\n\n---\n\n[lien](https://exemple.fr) `code` **gras** *léger*")
    tags = set(re.findall(r"<([a-z0-9]+)", html))
    assert tags <= {"p", "br", "ul", "ol", "li", "strong", "em", "code", "pre", "table", "thead", "tbody", "tr", "th"}
    assert "<strong>gras</strong>" in html and "<em>léger</em>" in html and "<code>code</code>" in html
    assert "<strong>Titre</strong>" in html  # a heading reads in bold, under the question's own heading
    assert "https://exemple.fr" not in html and ">lien<" not in html and "lien" in html


def test_a_dash_list_under_its_sentence_becomes_a_list():
    exchange = exchange_with("Pièces à joindre :\n- la convocation\n- le programme [1]\nPuis envoyez. [2]")
    page = shown(exchange)
    answer = page.split('class="answer-text"')[1].split("</div>")[0]
    assert "<p>Pièces à joindre :</p>" in answer
    assert re.search(r"<ul>\s*<li>la convocation</li>\s*<li>le programme <a class=\"citation-ref\"", answer)
    assert "- la convocation" not in answer
    assert "<p>Puis envoyez." in answer


def test_a_pipe_table_becomes_a_table_with_column_headers():
    answer = str(render_answer(TABLE))
    assert "<table>" in answer and "<thead>" in answer and "|" not in answer
    assert re.findall(r'<th scope="col">([^<]*)</th>', answer) == ["Puissance fiscale", "Jusqu'à 2 000 km", "Au-delà"]
    assert "<td>0,32 €</td>" in answer and "style=" not in answer
    assert "<p>Le barème :</p>" in answer


def test_a_table_in_a_cited_passage_is_a_table_too():
    page = shown(exchange_with("Le barème s'applique. [1]", passage=TABLE))
    passage = page.split('<blockquote class="passage">')[1].split("</blockquote>")[0]
    assert '<th scope="col">Puissance fiscale</th>' in passage


def test_citation_markers_link_to_their_source_and_unknown_numbers_stay_text():
    exchange = exchange_with("Dix jours ouvrés [1]. Voir aussi [2] et [7].")
    page = shown(exchange)
    for number in (1, 2):
        assert (
            f'href="#source-{exchange.pk}-{number}" aria-label="[{number}] voir la source {number}">[{number}]</a>'
            in page
        )
        assert f'<summary id="source-{exchange.pk}-{number}">' in page
    assert "[7]" in page and f"#source-{exchange.pk}-7" not in page
