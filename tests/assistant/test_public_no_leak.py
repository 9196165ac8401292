"""Property: whatever the collections of both audiences hold, however their texts overlap, whatever the FAQ of
each says (a public entry even naming an agents' page as its source), a question taken from the agents' texts
never gets a visitor anything of an agents' collection: not in the public answer, its citations, its suggestions or
follow-ups, nor on a public document page or file (issue 20; the index's own filter: test_hybrid_index_leaks.py).

Every text of an agents' collection (titles, headings, sentences, FAQ questions and answers) carries the marker
word SECRET; the questions and the public texts are made of the same phrases without it. So a visitor who sees
SECRET, or a link to an agents' document, has been shown an agents' passage."""

import dataclasses
import re
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relais.assistant import pipeline
from relais.engine.answers.decision import SHIPPED_MODEL
from relais.engine.search.chunking import embedding_text
from relais.knowledge.index import get_passage_index, reset_passage_index
from relais.knowledge.models import Collection, Document, FaqEntry, Passage

pytestmark = pytest.mark.django_db

SECRET = "zorglubinterne"
WORDS = [
    "cantine", "inscription", "piscine", "horaires", "mairie", "passeport", "identité", "déchets", "collecte",
    "stationnement", "badge", "congés", "paie", "mission", "enfant", "dossier", "demande", "guichet", "tarif", "vpn",
]  # fmt: skip

phrase = st.lists(st.sampled_from(WORDS), min_size=2, max_size=7).map(" ".join)


@st.composite
def knowledge(draw) -> dict:
    """Collections of both audiences whose texts are drawn from one pool of phrases, so that they overlap."""
    pool = draw(st.lists(phrase, min_size=3, max_size=8, unique=True))
    from_pool = st.sampled_from(pool)
    document = st.fixed_dictionaries(
        {"title": from_pool, "sections": st.lists(st.tuples(from_pool, st.lists(from_pool, min_size=1, max_size=3)),
                                                 min_size=1, max_size=3)}
    )  # fmt: skip
    collection = st.fixed_dictionaries(
        {
            "documents": st.lists(document, min_size=1, max_size=3),
            # (question, answer, source: an index into all the documents, agents' ones included, or none)
            "faq": st.lists(st.tuples(from_pool, from_pool, st.one_of(st.none(), st.integers(0, 8))), max_size=3),
        }
    )
    return {
        "agents": draw(st.lists(collection, min_size=1, max_size=2)),
        "public": draw(st.lists(collection, min_size=1, max_size=2)),
        "questions": draw(st.lists(from_pool, min_size=1, max_size=3)),
        "confident": draw(st.booleans()),
    }


def agents_text(text: str, audience: str) -> str:
    return f"{text} {SECRET}" if audience == "agents" else text


def build(spec: dict) -> dict[str, set[int]]:
    """The drawn knowledge in the database; the ids of the documents of each audience."""
    embedder = get_passage_index().embedder
    ids: dict[str, set[int]] = {"agents": set(), "public": set()}
    documents: list[Document] = []
    faq = []
    for audience in ("agents", "public"):
        for number, drawn in enumerate(spec[audience]):
            collection = Collection.objects.create(name=f"{audience}-{number}", audience=audience)
            for item in drawn["documents"]:
                documents.append(add_document(collection, item, embedder))
                ids[audience].add(documents[-1].pk)
            faq += [(collection, *entry) for entry in drawn["faq"]]
    for collection, question, answer, source in faq:
        audience = collection.audience
        vectors = embedder.embed_queries([agents_text(question, audience)]).astype(np.float32)
        FaqEntry.objects.get_or_create(
            collection=collection,
            question=agents_text(question, audience),
            defaults={
                "answer": agents_text(answer, audience),
                "source_document": documents[source % len(documents)] if source is not None else None,
                "embeddings": vectors.tobytes(),
                "embedder": embedder.name,
            },
        )
    return ids


def add_document(collection: Collection, item: dict, embedder) -> Document:
    audience = collection.audience
    title = agents_text(item["title"], audience)
    sections = [
        (agents_text(h, audience), [agents_text(s, audience) + "." for s in body]) for h, body in item["sections"]
    ]
    folder = Path(django_settings.DATA_DIR) / "no-leak"  # the test run's own data folder (tests/settings.py)
    folder.mkdir(exist_ok=True)
    path = folder / f"{collection.name}-{Document.objects.count()}.md"
    path.write_text("\n\n".join([f"# {title}", *(f"## {h}\n\n{' '.join(b)}" for h, b in sections)]), encoding="utf-8")
    document = Document.objects.create(
        collection=collection, source=str(path), title=title, content_hash="test", file_format="md",
        ingested_at=timezone.now(), title_embedding=embedder.embed_passages([title])[0].tobytes(),
    )  # fmt: skip
    texts = [" ".join(body) for _, body in sections]
    vectors = embedder.embed_passages(
        [embedding_text(title, [h], t) for (h, _), t in zip(sections, texts, strict=True)]
    )
    Passage.objects.bulk_create(
        Passage(document=document, position=n, section_path=[h], text=t, embedding=v.tobytes(), embedder=embedder.name)
        for n, ((h, _), t, v) in enumerate(zip(sections, texts, vectors, strict=True))
    )
    return document


@contextmanager
def answer_model(confident: bool):
    """The shipped model abstains on the test embedder's low scores; a confident one quotes the best public page."""
    if not confident:
        yield
        return
    model = dataclasses.replace(SHIPPED_MODEL, intercept=1000.0)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "active_answer_model", lambda: model)
        yield


def linked_documents(html: str) -> set[int]:
    return {int(n) for n in re.findall(r"/documents/(\d+)/", html)}


def check_answer(client: Client, question: str, ids: dict[str, set[int]]) -> None:
    api = client.post("/api/v1/public/ask", {"question": question}, content_type="application/json")
    assert api.status_code == 200 and SECRET not in api.content.decode()
    data = api.json()
    assert data["procedure"] is None
    assert {c["audience"] for c in data["citations"]} <= {"public"}
    cited = {c["document_id"] for c in data["citations"]} | {s["document_id"] for s in data["suggestions"]}
    assert cited <= ids["public"]
    assert all(c["source"] == f"/citoyens/documents/{c['document_id']}/" for c in data["citations"])
    page = client.post("/citoyens/", {"question": question})
    html = page.content.decode()
    assert page.status_code == 200 and SECRET not in html  # the answer, its sources, suggestions and follow-ups
    assert linked_documents(html) <= ids["public"]


def check_documents(client: Client, ids: dict[str, set[int]]) -> None:
    for document_id in ids["agents"] | ids["public"]:
        for path in (f"/citoyens/documents/{document_id}/", f"/citoyens/documents/{document_id}/fichier/"):
            response = client.get(path)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert SECRET.encode() not in body
            assert response.status_code == (200 if document_id in ids["public"] else 404)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,  # the same examples on every run: a failure is found again
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(spec=knowledge())
def test_no_agents_passage_ever_reaches_a_visitor(spec):
    with transaction.atomic():
        reset_passage_index()  # each example's knowledge only
        ids = build(spec)
        client = Client()
        with answer_model(spec["confident"]):
            for question in spec["questions"]:
                check_answer(client, question, ids)
        check_documents(client, ids)
        transaction.set_rollback(True)
    reset_passage_index()


def test_the_marker_shows_whenever_an_agents_passage_is_answered():
    """The property's detector works: asked as the agents, the same kind of knowledge shows SECRET."""
    section = ("cantine horaires", ["cantine tarif enfant"])
    spec = {
        "agents": [{"documents": [{"title": "cantine tarif", "sections": [section]}], "faq": []}],
        "public": [{"documents": [{"title": "piscine tarif", "sections": [("piscine", ["piscine tarif"])]}],
                    "faq": []}],
    }  # fmt: skip
    reset_passage_index()
    ids = build(spec)
    with answer_model(True):
        agents = pipeline.ask("cantine tarif enfant", audiences=frozenset({"agents"}), log=False)
    assert SECRET in agents.answer.text and agents.answer.citations[0].document_id in ids["agents"]
