"""A document's page shows its text formatted: the structure the readers flattened into its passages (headings,
list items « - … », table rows « cell | cell ») comes back as headings under the page's <h1>, lists and tables.

Whatever HTML or script a document holds is shown as text and never runs. Each passage keeps its anchor
(#passage-<id>), so a link to a passage lands on it.
"""

from __future__ import annotations

from html.parser import HTMLParser
from itertools import pairwise

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from relais.assistant.rendering import render_document
from relais.knowledge.models import Collection, Document, Passage

pytestmark = pytest.mark.django_db

# Passages as the Markdown reader and the chunker write them (tests/engine covers the readers themselves): the
# first section merged with the next, whose heading is written into the text; the second under its own path.
BAREME = [
    (
        [],
        "Cette page donne les montants remboursés à un agent en mission.\n\n"
        "Indemnités kilométriques\n\n"
        "Taux en euros par kilomètre :\n\n"
        "Puissance fiscale | Jusqu'à 2 000 km | Au-delà\n\n"
        "5 CV et moins | 0,32 € | 0,23 €\n\n"
        "6 et 7 CV | 0,41 € | 0,30 €\n\n"
        "Indemnités kilométriques > Comment le montant est calculé\n\n"
        "- La distance retenue est celle du trajet **aller-retour**.\n\n"
        "- La tranche dépend des kilomètres déjà parcourus dans l'année.",
    ),
    (
        ["Indemnité de repas"],
        "Le montant est forfaitaire.\n\nSituation | Montant\n\nTaux de base | 20,00 €",
    ),
    (["Indemnité de repas"], "L'indemnité est versée quel que soit le prix du repas."),
]
HOSTILE = (
    "Voici la règle <script>alert('x')</script> et <img src=x onerror=alert(1)>.\n\n"
    '<a href="javascript:alert(2)">clic</a> [piège](javascript:alert(3)) ![suivi](https://traqueur.example/p.png)\n\n'
    "<iframe src=https://ailleurs.example></iframe> <b onmouseover=alert(4)>gras</b>\n\n"
    "# Un faux titre\n\n"
    "<h2>Un titre en HTML</h2> | <td>cellule</td>\n\n"
    "suite | <svg onload=alert(5)>"
)


class Page(HTMLParser):
    """The elements of the page's document text (inside the passage blocks), the anchors of those blocks, and
    every heading of the page, its <h1> included, in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.block: list[str] = []  # the open elements of the passage block being read
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.anchors: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            self.headings.append(int(tag[1]))
        if self.block:
            self.elements.append((tag, attributes))
            self.block.append(tag)
        elif "passage-block" in (attributes.get("class") or "").split():
            self.block.append(tag)
            self.anchors.append(attributes.get("id") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.block and tag in self.block:
            del self.block[len(self.block) - 1 - self.block[::-1].index(tag) :]

    def tags(self) -> list[str]:
        return [tag for tag, _ in self.elements]


def document_with(passages: list[tuple[list[str], str]], title: str = "Barème des frais de déplacement") -> Document:
    collection = Collection.objects.create(name="RH", service="RH")
    document = Document.objects.create(
        collection=collection, source="/nulle/part/bareme.md", title=title, content_hash="x", ingested_at=timezone.now()
    )
    for position, (path, text) in enumerate(passages):
        Passage.objects.create(
            document=document, position=position, section_path=path, text=text, embedding=b"", embedder="aucun"
        )
    return document


@pytest.fixture()
def agent() -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_user("agent.lecteur", password="motdepasse-solide-42"))
    return client


def shown(agent: Client, document: Document) -> tuple[str, Page]:
    response = agent.get(f"/documents/{document.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    return html, Page(html)


def test_headings_lists_tables_and_emphasis_are_formatted_under_the_h1(agent):
    html, page = shown(agent, document_with(BAREME))
    assert "<h1>Barème des frais de déplacement</h1>" in html
    assert "<h2>Indemnités kilométriques</h2>" in html
    assert "<h3>Comment le montant est calculé</h3>" in html  # under its parent, written once
    assert html.count("Indemnité de repas</h2>") == 1  # two passages of one section: one heading
    assert page.tags().count("table") == 2 and page.tags().count("ul") == 1 and page.tags().count("li") == 2
    assert '<th scope="col">Puissance fiscale</th>' in html and "<td>0,41 €</td>" in html
    assert "<strong>aller-retour</strong>" in html
    assert "| 0,32 €" not in html and "- La distance" not in html  # nothing left flattened
    # RGAA 9.1: one <h1>, then no level skipped on the way down.
    assert page.headings.count(1) == 1 and page.headings[0] == 1
    assert all(level <= previous + 1 for previous, level in pairwise(page.headings))


def test_every_passage_keeps_its_anchor_in_order(agent):
    document = document_with(BAREME)
    _, page = shown(agent, document)
    ids = list(document.passages.order_by("position").values_list("pk", flat=True))
    assert page.anchors == [f"passage-{pk}" for pk in ids]


def test_a_deep_section_path_never_skips_a_level_and_stops_at_h6(agent):
    path = ["Un", "Deux", "Trois", "Quatre", "Cinq", "Six", "Sept"]
    html, page = shown(agent, document_with([(path, "Le texte.")]))
    assert page.headings == [1, 2, 3, 4, 5, 6, 6, 6] and "<h6>Sept</h6>" in html


def test_html_and_scripts_in_a_document_stay_inert_text(agent):
    html, page = shown(agent, document_with([([], HOSTILE), (["<script>alert(6)</script>"], "Texte.")]))
    assert not set(page.tags()) & {"script", "img", "iframe", "b", "a", "svg", "object", "embed"}
    assert not [name for _, attrs in page.elements for name in attrs if name.startswith("on")]
    assert "javascript:" not in "".join(str(attrs) for _, attrs in page.elements)
    assert "Voici la règle &lt;script&gt;alert('x')&lt;/script&gt; et &lt;img src=x onerror=alert(1)&gt;." in html
    assert "<h2>&lt;script&gt;alert(6)&lt;/script&gt;</h2>" in html  # a heading's text is escaped too
    assert "# Un faux titre" in html  # a « # » in the text is no heading of its own
    assert (
        '<th scope="col">&lt;td&gt;cellule&lt;/td&gt;</th>' in html and "<td>&lt;svg onload=alert(5)&gt;</td>" in html
    )
    assert page.headings == [1, 2]


def test_rendering_keeps_a_short_line_at_the_end_of_a_passage_as_text():
    [last] = render_document([([], "Le service RH répond.\n\nService RH — poste 4213")])
    assert "<p>Service RH — poste 4213</p>" in last and "<h2>" not in last
