"""`relais ask --public`: the public mode from the command line, as the anonymous API answers."""

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from relais.assistant.models import Exchange
from tests.assistant import test_public_api as shared
from tests.assistant.test_public_api import AGENTS_ONLY, AGENTS_QUESTION

pytestmark = pytest.mark.django_db

# The small knowledge base (a public collection beside an agents' one) and the confident answer model.
public_knowledge, confident = shared.public_knowledge, shared.confident

DOCS = Path(__file__).resolve().parents[2] / "docs"


def relais_ask(*arguments: str) -> str:
    out = StringIO()
    call_command("ask", *arguments, stdout=out)
    return out.getvalue()


def test_ask_public_json_answers_from_the_public_pages(public_knowledge, confident):
    payload = json.loads(relais_ask("--public", "--json", "Comment demander un acte de naissance ?"))
    assert payload["mode"] == "extractive" and payload["procedure"] is None
    [citation] = payload["citations"]
    assert (citation["collection"], citation["audience"]) == ("site-public", "public")
    assert citation["source"] == f"/citoyens/documents/{public_knowledge.etat_civil.pk}/"
    # The operator's tool keeps the log's ids (the anonymous API does not show them).
    exchange = Exchange.objects.get(pk=payload["exchange_id"])
    assert exchange.user is None and exchange.conversation_id == payload["conversation_id"]


def test_ask_public_abstains_on_what_only_the_agents_collection_says(public_knowledge):
    agents = json.loads(relais_ask("--json", AGENTS_QUESTION))
    assert agents["mode"] == "faq" and agents["citations"][0]["audience"] == "agents"
    public = relais_ask("--public", "--json", AGENTS_QUESTION)
    assert json.loads(public)["mode"] == "none" and not any(secret in public for secret in AGENTS_ONLY)
    text = relais_ask("--public", AGENTS_QUESTION)
    assert "Je n'ai pas trouvé de réponse fiable" in text and "Contact : le guichet de l'état civil" in text
    assert not any(secret in text for secret in AGENTS_ONLY)


def test_public_questions_stand_alone(public_knowledge):
    with pytest.raises(CommandError, match="stand alone"):
        relais_ask("--public", "--conversation", "1", "et pour les enfants ?")
    with pytest.raises(CommandError, match="not allowed with argument"):
        relais_ask("--public", "--audience", "agents", "Horaires ?")


def test_the_public_option_is_documented():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    section = text.split("## `relais ask`")[1].split("\n## ")[0]
    assert re.search(
        r"`relais ask \"question\" \[--json\] \[--conversation ID\] \[--audience agents\|public \| --public\]`", section
    )
    assert "/citoyens/documents/<id>/" in section and "--public" in section.split("\n", 2)[2]


def test_the_text_output_names_each_source_by_its_page_and_section(public_knowledge, confident):
    question = "Comment demander un acte de naissance ?"
    [citation] = json.loads(relais_ask("--public", "--json", question))["citations"]
    printed = relais_ask("--public", question)
    where = " › ".join([citation["document"], *citation["section"]])  # no « › — » for a page's opening
    assert f"[1] {where} (version {citation['version']})" in printed.splitlines()
