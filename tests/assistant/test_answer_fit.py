"""A town's own answer model (`relais answers fit | show | withdraw`, assistant/answer_fit.py): what its signals
say, when a refit is refused, and that a saved fit decides the answers until it is withdrawn."""

from dataclasses import replace
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from relais.assistant import answer_fit
from relais.assistant.answer_fit import TownSignal, active_answer_model, town_signals
from relais.assistant.models import AnswerModelFit, Conversation, Exchange, Feedback
from relais.assistant.pipeline import ask
from relais.engine.answers.decision import SHIPPED_MODEL
from relais.engine.answers.fitting import RANKINGS, Example
from relais.knowledge.models import Document, FaqEntry

pytestmark = pytest.mark.django_db

BADGE = """# Badge d'accès

## Badge perdu
Un badge perdu se signale à la DSI, qui le désactive et en remet un nouveau sous deux jours.
"""
VPN = """# Connexion à distance

## Se connecter au VPN
Le VPN se lance depuis l'icône Accès distant ; il demande le code reçu par SMS.
"""


@pytest.fixture()
def documents(tmp_path) -> dict[str, Document]:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "badge.md").write_text(BADGE, encoding="utf-8")
    (folder / "vpn.md").write_text(VPN, encoding="utf-8")
    call_command("ingest", str(folder), collection="dsi", verbosity=0)
    return {
        Document.objects.get(source__endswith=f"{name}.md").title: Document.objects.get(source__endswith=f"{name}.md")
        for name in ("badge", "vpn")
    }


def exchange(question: str, document: Document | None, *, mode: str = "extractive", **fields) -> Exchange:
    citations = [{"document_id": document.pk, "title": document.title}] if document else []
    return Exchange.objects.create(
        conversation=Conversation.objects.create(),
        question=question,
        search_query=question,
        answer="…",
        mode=mode,
        confidence=0.9,
        citations=citations,
        latency_ms=10.0,
        **fields,
    )


def test_each_signal_gives_its_label(documents):
    badge, vpn = documents["Badge d'accès"], documents["Connexion à distance"]
    Feedback.objects.create(exchange=exchange("J'ai perdu mon badge", badge), rating="up")
    Feedback.objects.create(exchange=exchange("Le VPN marche sur mac ?", vpn), rating="down", reason="hors_sujet")
    Feedback.objects.create(exchange=exchange("Code VPN", vpn), rating="down", reason="perimee")  # the page was right
    exchange("Badge cassé, je fais quoi ?", badge, followed_by_ticket=True)
    Feedback.objects.create(
        exchange=exchange("Menu de la cantine", None, mode="none", retrieved=[{"id": 1}]), rating="down"
    )
    exchange("Horaires de la piscine ?", None, mode="none", retrieved=[{"id": 1}])  # nobody contested it
    exchange("Badge introuvable", None, mode="none", retrieved=[{"id": 1}], followed_by_ticket=True)
    exchange("Mon arrêt maladie", None, mode="none", personal_situation="health")  # no search, no decision
    Feedback.objects.create(exchange=exchange("Badge visiteur", badge, audience="public"), rating="up")
    exchange("Accès distant", vpn)  # no signal at all
    entry = FaqEntry.objects.create(
        collection=vpn.collection,
        question="Comment lancer le VPN ?",
        phrasings=["J'ai perdu mon badge"],
        answer="…",
        source_document=vpn,
    )
    found = {s.question: s for s in town_signals()}
    assert found == {
        "Le VPN marche sur mac ?": TownSignal("Le VPN marche sur mac ?", None, "thumbs_down"),
        "Badge cassé, je fais quoi ?": TownSignal("Badge cassé, je fais quoi ?", None, "ticket"),
        "Horaires de la piscine ?": TownSignal("Horaires de la piscine ?", None, "abstention"),
        "Comment lancer le VPN ?": TownSignal("Comment lancer le VPN ?", vpn.pk, "faq", without_entry=entry.pk),
        # the référent's entry says more than the agent's 👍 on the same words
        "J'ai perdu mon badge": TownSignal("J'ai perdu mon badge", vpn.pk, "faq", without_entry=entry.pk),
    }


def test_with_too_few_signals_the_refit_is_shown_but_not_saved(documents):
    vpn = documents["Connexion à distance"]
    Feedback.objects.create(exchange=exchange("Comment lancer le VPN ?", vpn), rating="up")
    out = StringIO()
    call_command("answers", "fit", stdout=out)
    assert (
        "1 questions from the town's signals" in out.getvalue() and "shipped model, on these signals" in out.getvalue()
    )
    assert "too few signals: 1 answered questions" in out.getvalue()
    with pytest.raises(CommandError, match="not saved: too few signals"):
        call_command("answers", "fit", "--save", stdout=StringIO())
    assert not AnswerModelFit.objects.exists() and active_answer_model() is SHIPPED_MODEL


def test_without_any_signal_the_command_says_so(documents):
    with pytest.raises(CommandError, match="no signal yet"):
        call_command("answers", "fit", stdout=StringIO())


def synthetic(question: str, closeness: float, expected: int | None, document: int) -> Example:
    features = np.array([closeness, 0.3, 0.5, 0.0, 0.0, closeness])
    return Example(
        question,
        expected,
        None,
        False,
        {r: document for r in RANKINGS},
        {r: features for r in RANKINGS},
        {r: False for r in RANKINGS},
    )


def test_a_refit_that_settles_clearly_more_is_saved_and_decides_until_withdrawn(documents, monkeypatch):
    # Signals from a town where the page is right from a closeness of 0.75 on, where the shipped model still
    # abstains: the refit answers them, a sign test says it is no chance, and `--save` keeps it.
    vpn = documents["Connexion à distance"]
    rng = np.random.default_rng(1)
    closeness = {f"question {n}": float(c) for n, c in enumerate(rng.uniform(0.55, 0.95, 160))}
    for question, value in closeness.items():
        answered = exchange(question, vpn)
        Feedback.objects.create(exchange=answered, rating="up" if value > 0.75 else "down", reason="inexacte")
    monkeypatch.setattr(
        answer_fit,
        "example_for",
        lambda question, expected, without_entry=None: synthetic(question, closeness[question], expected, vpn.pk),
    )
    out = StringIO()
    call_command("answers", "fit", "--save", "--repeats", "2", stdout=out)
    assert "Saved as fit" in out.getvalue(), out.getvalue()
    record = AnswerModelFit.objects.get()
    assert record.signals == {
        "thumbs_up": sum(v > 0.75 for v in closeness.values()),
        "thumbs_down": sum(v <= 0.75 for v in closeness.values()),
    }
    assert record.figures["fitted_by"] == "relais answers fit" and "cross_validated" in record.figures
    town = active_answer_model()
    assert town != SHIPPED_MODEL and town.intercept == record.model["intercept"]
    shown = StringIO()
    call_command("answers", "show", stdout=shown)
    assert f"Town fit {record.pk}" in shown.getvalue()
    call_command("answers", "withdraw", stdout=StringIO())
    assert active_answer_model() is SHIPPED_MODEL
    with pytest.raises(CommandError, match="already answers"):
        call_command("answers", "withdraw", stdout=StringIO())


def test_the_latest_active_fit_decides_every_answer(documents):
    question = "Comment se connecter au VPN ?"
    AnswerModelFit.objects.create(model=replace(SHIPPED_MODEL, intercept=1000.0).as_json())
    assert ask(question, log=False).answer.mode == "extractive"
    AnswerModelFit.objects.create(model=replace(SHIPPED_MODEL, intercept=-1000.0).as_json())
    assert ask(question, log=False).answer.mode == "none"
    call_command("answers", "withdraw", stdout=StringIO())  # back to the first fit
    assert ask(question, log=False).answer.mode == "extractive"


def test_the_admin_lists_the_fits_and_a_superuser_takes_one_out_of_service(documents, admin_client):
    fit = AnswerModelFit.objects.create(
        model=replace(SHIPPED_MODEL, intercept=1000.0).as_json(),
        signals={"thumbs_up": 12, "abstention": 6},
        figures={"cross_validated": {"correct_source_first": 0.9, "correct_abstention": 0.8, "wrong_abstention": 0.1}},
    )
    page = admin_client.get("/admin/assistant/answermodelfit/").content.decode()
    assert "abstention 6, thumbs_up 12" in page and "0.9 / 0.8 / 0.1" in page
    assert admin_client.get("/admin/assistant/answermodelfit/add/").status_code == 403
    response = admin_client.post(f"/admin/assistant/answermodelfit/{fit.pk}/change/", {"active": ""})
    assert response.status_code == 302
    fit.refresh_from_db()
    assert not fit.active and active_answer_model() is SHIPPED_MODEL
