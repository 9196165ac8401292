"""The public mode's anonymous API (POST /api/v1/public/ask) and the public payload, on a small knowledge base:
a public collection (the town's website pages) beside an agents' one, each with its FAQ.

``public_knowledge`` is shared with the page and CLI tests (test_public_page.py, test_public_cli.py)."""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from django.test import Client

from relais.assistant import offers, pipeline
from relais.assistant.models import Exchange
from relais.assistant.payload import answer_payload, exchange_payload
from relais.assistant.pipeline import ask
from relais.engine.answers.decision import SHIPPED_MODEL
from relais.knowledge.index import get_passage_index
from relais.knowledge.ingestion import Ingestor
from relais.knowledge.models import Collection, Document, FaqEntry

pytestmark = pytest.mark.django_db

ANSWER_KEYS = {
    "answer", "citations", "confidence", "mode", "needs_check", "faq_question", "contact", "suggestions",
    "exchange_id", "conversation_id", "notice", "procedure",
}  # fmt: skip

ETAT_CIVIL = """---
service: État civil
contact: le guichet de l'état civil, 01 23 45 67 89
---
# Actes d'état civil

## Demander un acte de naissance

L'acte de naissance se demande en ligne ou au guichet de l'état civil, gratuitement, avec une pièce d'identité.

## Horaires du guichet

Le guichet de l'état civil est ouvert du lundi au vendredi, de 8 h 30 à 17 h.
"""

CANTINE = """---
service: Scolaire
---
# Cantine scolaire

## Inscrire son enfant à la cantine

L'inscription à la cantine se fait au service scolaire avant le 30 juin, avec un justificatif de domicile.
"""

RTT = """---
service: RH
---
# Temps de travail des agents

## Poser un jour de RTT

Le jour de RTT se pose dans le logiciel Chronotemps, avec l'accord du responsable, code interne RH-42.
"""

# What only the agents' collection says: never in anything a visitor is shown.
AGENTS_ONLY = ("Chronotemps", "RH-42", "Temps de travail des agents", "Dans Chronotemps, avant le 10 du mois")
AGENTS_QUESTION = "Comment poser un jour de RTT ?"


def faq(collection: Collection, question: str, answer: str, source: Document | None = None) -> FaqEntry:
    embedder = get_passage_index().embedder
    vectors = embedder.embed_queries([question]).astype(np.float32)
    return FaqEntry.objects.create(
        collection=collection,
        question=question,
        answer=answer,
        source_document=source,
        service=collection.service,
        example=True,
        embeddings=vectors.tobytes(),
        embedder=embedder.name,
    )


@dataclasses.dataclass
class Knowledge:
    public: Collection
    agents: Collection
    etat_civil: Document
    cantine: Document
    rtt: Document


@pytest.fixture()
def public_knowledge(db, tmp_path: Path) -> Knowledge:
    pages, internal = tmp_path / "site", tmp_path / "rh"
    pages.mkdir()
    internal.mkdir()
    (pages / "etat-civil.md").write_text(ETAT_CIVIL, encoding="utf-8")
    (pages / "cantine.md").write_text(CANTINE, encoding="utf-8")
    (internal / "rtt.md").write_text(RTT, encoding="utf-8")
    public = Collection.objects.create(name="site-public", audience="public", service="Accueil")
    agents = Collection.objects.create(name="rh", audience="agents", service="RH")
    assert not Ingestor(public).ingest([pages]).failed and not Ingestor(agents).ingest([internal]).failed
    documents = {Path(d.source).stem: d for d in Document.objects.all()}
    faq(public, "Quels sont les horaires de l'état civil ?", "Du lundi au vendredi, de 8 h 30 à 17 h.",
        documents["etat-civil"])  # fmt: skip
    faq(agents, AGENTS_QUESTION, "Dans Chronotemps, avant le 10 du mois.", documents["rtt"])
    return Knowledge(public, agents, documents["etat-civil"], documents["cantine"], documents["rtt"])


@pytest.fixture()
def confident(monkeypatch) -> None:
    """The shipped answer model is fitted on the real embedder's scores: on the test embedder's lower ones it
    abstains on every question. Here it quotes the best public page whenever something was retrieved."""
    model = dataclasses.replace(SHIPPED_MODEL, intercept=1000.0)
    monkeypatch.setattr(pipeline, "active_answer_model", lambda: model)


def post(client: Client, payload: dict):
    return client.post("/api/v1/public/ask", json.dumps(payload), content_type="application/json")


def test_a_visitor_asks_without_credentials_and_gets_the_agents_payload_from_public_pages(public_knowledge, confident):
    client = Client(enforce_csrf_checks=True)  # no session, no token, no CSRF cookie: a plain JSON POST
    response = post(client, {"question": "Comment demander un acte de naissance ?"})
    assert response.status_code == 200
    data = response.json()
    # The agents' keys, and the visitor's two: the hand-over (null for a sure answer) and the language (null: French).
    assert set(data) == ANSWER_KEYS | {"handover", "language"} and data["mode"] == "extractive"
    assert data["handover"] is None and data["language"] is None
    assert "acte de naissance se demande" in data["answer"]
    assert data["citations"], data
    for citation in data["citations"]:
        assert citation["collection"] == "site-public" and citation["audience"] == "public"
        assert citation["source"] == f"/citoyens/documents/{citation['document_id']}/"
    assert data["citations"][0]["document_id"] == public_knowledge.etat_civil.pk
    assert data["procedure"] is None and data["exchange_id"] is None and data["conversation_id"] is None
    assert not response.cookies and "Set-Cookie" not in response.headers
    # Logged like every exchange, without a user.
    exchange = Exchange.objects.get()
    assert exchange.user is None and exchange.conversation.user is None
    assert exchange.citations[0]["document_id"] == public_knowledge.etat_civil.pk


def test_a_public_faq_answer_cites_its_public_page(public_knowledge):
    data = post(Client(), {"question": "Quels sont les horaires de l'état civil ?"}).json()
    assert data["mode"] == "faq" and data["answer"] == "Du lundi au vendredi, de 8 h 30 à 17 h."
    [citation] = data["citations"]
    assert citation["document_id"] == public_knowledge.etat_civil.pk
    assert (citation["collection"], citation["audience"]) == ("site-public", "public")
    # A page that names its contact gives it, as for the agents.
    assert data["contact"] == "le guichet de l'état civil, 01 23 45 67 89"


def test_a_question_only_the_agents_collection_answers_abstains(public_knowledge):
    agents = ask(AGENTS_QUESTION, audiences=frozenset({"agents"}), log=False)
    assert agents.answer.mode == "faq" and "Chronotemps" in agents.answer.text  # answered for the agents
    response = post(Client(), {"question": AGENTS_QUESTION})
    assert response.status_code == 200
    data = response.json()
    assert data["mode"] == "none" and data["citations"] == []
    assert all(s["document_id"] != public_knowledge.rtt.pk for s in data["suggestions"])
    assert not any(secret in response.content.decode() for secret in AGENTS_ONLY)
    assert data["contact"] == "le guichet de l'état civil, 01 23 45 67 89"  # the closest public page's


def test_without_a_public_contact_a_visitor_is_sent_to_the_town_hall(public_knowledge, settings):
    Document.objects.update(contact="")
    data = post(Client(), {"question": AGENTS_QUESTION}).json()
    # The agents' default contact names internal services (« le service RH ou le support informatique »).
    assert data["mode"] == "none" and data["contact"] == "l'accueil de la mairie de Val-de-Brume"
    assert settings.RELAIS.default_contact != data["contact"]


def test_the_question_is_masked_before_it_is_logged(public_knowledge):
    question = "Mon numéro est le 06 12 34 56 78, comment demander un acte de naissance ?"
    assert post(Client(), {"question": question}).status_code == 200
    logged = Exchange.objects.get()
    assert "06 12 34 56 78" not in logged.question and "[TÉLÉPHONE]" in logged.question
    assert logged.masked_pii == ["phone"] and "06 12" not in logged.search_query


def test_a_personal_situation_is_sent_to_the_town_hall_not_to_the_hr_service(public_knowledge):
    data = post(Client(), {"question": "Je suis en arrêt maladie pour dépression, que faire ?"}).json()
    assert data["mode"] == "none" and "adressez-vous directement à la mairie" in data["answer"]
    assert "RH" not in data["answer"] and "RH" not in data["contact"]


def test_no_procedure_is_ever_offered_to_a_visitor(public_knowledge, monkeypatch):
    asked = []

    def finder(question, vector, embedder):
        asked.append(question)
        return None

    monkeypatch.setattr(offers, "_procedure_finder", finder)
    data = post(Client(), {"question": "Comment demander un acte de naissance ?"}).json()
    assert data["procedure"] is None and asked == []  # not even looked for


def test_invalid_and_empty_questions_are_refused_in_french(public_knowledge):
    missing = post(Client(), {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["msg"] == "Champ obligatoire."
    blank = post(Client(), {"question": "   "})
    assert blank.status_code == 422 and blank.json()["detail"] == "La question est vide."
    control = post(Client(), {"question": "acte\x00de naissance"})
    assert control.status_code == 422
    assert not Exchange.objects.exists()


def test_visitors_are_throttled_per_address(public_knowledge, settings):
    settings.RELAIS = dataclasses.replace(settings.RELAIS, ask_rate_per_ip=2)
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert [post(client, {"question": "Horaires ?"}).status_code for _ in range(3)] == [200, 200, 429]
    assert post(client, {"question": "Horaires ?"}).json()["detail"].startswith("Vous avez posé beaucoup")
    assert post(Client(REMOTE_ADDR="203.0.113.8"), {"question": "Horaires ?"}).status_code == 200


def test_every_citation_names_its_collection_and_audience_for_the_agents_too(public_knowledge):
    result = ask(AGENTS_QUESTION, audiences=frozenset({"agents"}))
    [citation] = answer_payload(result)["citations"]
    assert citation["collection"] == "rh" and citation["audience"] == "agents"
    assert citation["source"] == f"/documents/{public_knowledge.rtt.pk}/"  # the agents' page, as before
    [logged] = exchange_payload(result.exchange)["citations"]
    assert (logged["collection"], logged["audience"]) == ("rh", "agents")


def test_a_public_faq_entry_whose_source_is_an_agents_page_is_never_shown(public_knowledge):
    # The admin lets a référent pick any of their documents as a FAQ entry's source, an agents' page included.
    question = "Quand poser ses jours de RTT ?"
    faq(public_knowledge.public, question, "Voir la page interne.", public_knowledge.rtt)
    response = post(Client(), {"question": question})
    data = response.json()
    assert data["mode"] == "none" and data["citations"] == [] and data["suggestions"] == []
    assert not any(secret in response.content.decode() for secret in AGENTS_ONLY)


def test_the_schema_documents_the_public_endpoint_without_authentication(public_knowledge):
    from relais.assistant.api import api

    schema = api.get_openapi_schema()
    operation = schema["paths"]["/api/v1/public/ask"]["post"]
    assert "security" not in operation or operation["security"] == []
    citation = schema["components"]["schemas"]["PublicCitationOut"]
    assert {"collection", "audience"} <= set(citation["properties"])
