"""Guided procedures in the app: offered in the chat, filled one answer at a time, confirmed, approved, documented."""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from relais.assistant.models import Exchange
from relais.engine.procedures import filling
from relais.helpdesk.models import OutboxMessage, Ticket
from relais.procedures import runs
from relais.procedures.models import Approval, Decision, Procedure, Run, Status
from tests.procedures.dates import long_form, mission_dates, period, spoken
from tests.procedures.factories import submitted_mission as submitted_mission_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_knowledge")]

PASSWORD = "valdebrume-demo"
START, END = mission_dates()
MISSION_QUESTION = f"je dois faire un ordre de mission pour une formation à Lyon {period(START, END)}"


def client_for(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def text(response) -> str:
    return html.unescape(response.content.decode())


def user(username: str):
    return get_user_model().objects.get(username=username)


def ask(client: Client, question: str) -> Exchange:
    client.post("/poser/", {"question": question})
    return Exchange.objects.latest("pk")


def start_from_chat(client: Client, question: str = MISSION_QUESTION) -> Run:
    exchange = ask(client, question)
    assert exchange.offered_procedure is not None, f"no procedure offered for {question!r}"
    response = client.post(f"/demarches/commencer/{exchange.offered_procedure.slug}/", {"exchange": exchange.pk})
    assert response.status_code == 302
    return Run.objects.latest("pk")


def answer_until_summary(client: Client, run: Run, answers: dict[str, str]) -> None:
    """Answer each question the page asks, by field name, until the summary."""
    for _ in range(30):
        run.refresh_from_db()
        spec = filling.next_field(run.spec(), run.values)
        if spec is None:
            return
        response = client.post(f"/demarches/{run.pk}/", {"answer": answers.get(spec.name, "")})
        assert response.status_code == 302, text(response)[:2000]
    raise AssertionError("the procedure never reached its summary")


ANSWERS = {
    "intitule": "Accueil des publics en médiathèque",
    "heure_depart": "7 h 30",
    "heure_retour": "19 h",
    "transport": "vehicule_personnel",
    "puissance_fiscale": "6-7cv",
    "distance_km": "180",
    "km_annee": "",
    "hebergement": "hotel",
    "zone_hebergement": "grande_ville",
    "repas_fournis": "non",
    "avance": "non",
    "commentaire": "",
}


def submitted_mission(client: Client) -> Run:
    run = start_from_chat(client)
    answer_until_summary(client, run, ANSWERS)
    assert client.post(f"/demarches/{run.pk}/confirmer/").status_code == 302
    run.refresh_from_db()
    return run


def test_the_demo_loads_its_procedures():
    assert set(Procedure.objects.values_list("slug", flat=True)) == {"ordre-de-mission", "premiere-connexion"}


def test_the_chat_offers_the_procedure_and_prefills_it_from_the_question():
    client = client_for("agent.demo")
    exchange = ask(client, MISSION_QUESTION)
    assert exchange.offered_procedure.slug == "ordre-de-mission"
    page = text(client.get(f"/conversations/{exchange.conversation_id}/"))
    assert "Commencer la démarche" in page
    run = start_from_chat(client)
    assert run.values["destination"] == "Lyon" and run.values["objet"] == "formation"
    assert run.values["date_depart"] == START.isoformat() and run.values["date_retour"] == END.isoformat()
    page = text(client.get(f"/demarches/{run.pk}/"))
    assert "D'après votre question" in page and "Lyon" in page
    assert "Précisez l'intitulé" in page  # the first question not answered by the question itself


@pytest.mark.parametrize("question", ["Quel est le menu de la cantine demain ?", "Comment configurer le VPN ?"])
def test_unrelated_questions_offer_no_procedure(question):
    exchange = ask(client_for("agent.demo"), question)
    assert exchange.offered_procedure is None


def test_invalid_answers_are_explained_and_nothing_is_lost():
    client = client_for("agent.demo")
    run = start_from_chat(client, "je dois faire un ordre de mission pour une réunion à Nantes")
    before = dict(run.values)
    client.post(f"/demarches/{run.pk}/", {"answer": ""})  # intitulé: optional, skipped
    response = client.post(f"/demarches/{run.pk}/", {"answer": "le 31 février"})
    assert response.status_code == 400
    assert "Date non reconnue" in text(response)
    yesterday = (date.today() - timedelta(days=1)).strftime("%d/%m/%Y")
    response = client.post(f"/demarches/{run.pk}/", {"answer": yesterday})
    assert response.status_code == 400 and "Cette date est passée" in text(response)
    run.refresh_from_db()
    assert run.values == {**before, "intitule": None}


def test_a_draft_is_resumed_later_from_my_procedures():
    client = client_for("agent.demo")
    run = start_from_chat(client)
    page = text(client_for("agent.demo").get("/demarches/"))
    assert f'href="/demarches/{run.pk}/"' in page and "Reprendre" in page


def test_the_summary_lists_errors_and_confirmation_waits_for_them():
    client = client_for("agent.demo")
    run = start_from_chat(client)
    answer_until_summary(client, run, ANSWERS)
    # Move the departure after the return: the summary shows it and confirming is refused.
    response = client.post(f"/demarches/{run.pk}/modifier/date_depart/", {"answer": spoken(END + timedelta(days=5))})
    assert response.status_code == 302
    page = text(client.get(f"/demarches/{run.pk}/"))
    assert "« Date de retour » ne peut pas être avant « Date de départ »" in page
    assert "« Heure de retour »" not in page  # 19 h is not before 7 h 30: only the dates are wrong (issue 19)
    assert re.search(r"<button [^>]*disabled[^>]*>Confirmer et envoyer</button>", page)
    client.post(f"/demarches/{run.pk}/confirmer/")
    run.refresh_from_db()
    assert run.status == Status.DRAFT and run.number is None
    client.post(f"/demarches/{run.pk}/modifier/date_depart/", {"answer": spoken(START)})
    page = text(client.get(f"/demarches/{run.pk}/"))
    assert "disabled" not in re.search(r"<button [^>]*>Confirmer et envoyer</button>", page).group(0)
    client.post(f"/demarches/{run.pk}/confirmer/")
    run.refresh_from_db()
    assert run.status == Status.PENDING


def test_a_mission_goes_to_the_manager_then_to_rh_and_the_agent_sees_it_approved():
    agent = client_for("agent.demo")
    run = submitted_mission(agent)
    assert run.status == Status.PENDING and run.reference.startswith("OM-")
    stages = list(run.approvals.values_list("stage", "approver__username", "decision"))
    assert stages == [("responsable", "responsable.mediatheque", Decision.PENDING), ("service", None, Decision.WAITING)]
    notified = OutboxMessage.objects.filter(ticket=None, payload__reference=run.reference)
    assert [m.payload["to_email"] for m in notified] == ["paul.durand@valdebrume.example"]

    # RH cannot decide before the manager; the manager sees it waiting and approves.
    rh = client_for("referent.rh")
    assert run.reference not in text(rh.get("/demarches/a-valider/")).split("Suivi des demandes")[0]
    rh.post(f"/demarches/{run.pk}/decision/", {"decision": "approuver"})
    assert run.approvals.get(stage="service").decision == Decision.WAITING
    manager = client_for("responsable.mediatheque")
    assert run.reference in text(manager.get("/demarches/a-valider/"))
    assert (
        manager.post(
            f"/demarches/{run.pk}/decision/", {"decision": "approuver", "comment": "Bon pour accord"}
        ).status_code
        == 302
    )
    # Then RH (pôle Missions, « Traitement RH ») decides.
    assert run.reference in text(rh.get("/demarches/a-valider/"))
    assert rh.post(f"/demarches/{run.pk}/decision/", {"decision": "approuver"}).status_code == 302
    run.refresh_from_db()
    assert run.status == Status.APPROVED and run.completed_at is not None
    assert "Validée" in text(agent.get(f"/demarches/{run.pk}/"))
    assert "Validée" in text(rh.get("/demarches/a-valider/"))
    emails = [
        m.payload["to_email"] for m in OutboxMessage.objects.filter(ticket=None, payload__reference=run.reference)
    ]
    assert "nadia.lefort@valdebrume.example" in emails and emails.count("camille.martin@valdebrume.example") == 2

    response = agent.get(f"/demarches/{run.pk}/demande.pdf")
    assert response["Content-Type"] == "application/pdf"
    pdf_text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages).split())
    for expected in (
        run.reference,
        "Demande d'ordre de mission",
        "Camille Martin",
        "Médiathèque",
        "Lyon",
        long_form(START),
        "Véhicule personnel",
        "73,80 €",
        "Validée",
        "Bon pour accord",
        "commune fictive",
    ):
        assert expected in pdf_text, expected
    odt = agent.get(f"/demarches/{run.pk}/demande.odt")
    assert odt["Content-Type"] == "application/vnd.oasis.opendocument.text" and odt.content[:2] == b"PK"


def test_a_rejection_needs_a_reason_and_reaches_the_agent():
    run = submitted_mission(client_for("agent.demo"))
    manager = client_for("responsable.mediatheque")
    response = manager.post(f"/demarches/{run.pk}/decision/", {"decision": "refuser", "comment": ""})
    assert response.status_code == 400 and "motif du refus" in text(response)
    manager.post(f"/demarches/{run.pk}/decision/", {"decision": "refuser", "comment": "Formation reportée en juin"})
    run.refresh_from_db()
    assert run.status == Status.REJECTED
    assert not run.approvals.filter(decision=Decision.WAITING).exists()
    last = OutboxMessage.objects.filter(ticket=None, payload__reference=run.reference).latest("pk")
    assert last.payload["to_email"] == "camille.martin@valdebrume.example"
    assert "refusée" in last.payload["body"] and "Formation reportée en juin" in last.payload["body"]


def test_others_cannot_see_or_decide():
    run = submitted_mission(client_for("agent.demo"))
    assert client_for("referent.dsi").get(f"/demarches/{run.pk}/").status_code == 404
    assert client_for("pilotage.demo").get(f"/demarches/{run.pk}/demande.pdf").status_code == 404
    with pytest.raises(runs.NotAllowed):
        runs.decide(run, user("agent.demo"), approve=True)
    with pytest.raises(runs.NotAllowed):
        runs.decide(run, user("referent.rh"), approve=True)  # not the manager's stage
    assert Approval.objects.get(run=run, position=0).decision == Decision.PENDING
    agent = client_for("agent.demo")
    response = agent.post(f"/demarches/{run.pk}/", {"answer": "Paris"})
    assert response.status_code in {200, 403}
    run.refresh_from_db()
    assert run.values["destination"] == "Lyon"  # a sent request is not edited


def test_without_a_manager_the_request_goes_straight_to_the_service():
    agent = user("agent.demo")
    agent.profile.manager = None
    agent.profile.save()
    run = submitted_mission(client_for("agent.demo"))
    assert list(run.approvals.values_list("stage", "decision")) == [("service", Decision.PENDING)]


def test_first_login_checklist_finishes_or_opens_a_ticket_to_the_dsi():
    client = client_for("agent.demo")
    run = start_from_chat(client, "première connexion au poste de travail, comment faire ?")
    assert run.procedure.slug == "premiere-connexion"
    page = text(client.get(f"/demarches/{run.pk}/"))
    assert "Ctrl + Alt + Suppr" in page and "Ça ne fonctionne pas" in page
    client.post(f"/demarches/{run.pk}/", {"answer": "fait"})
    client.post(f"/demarches/{run.pk}/", {"answer": "fait"})
    response = client.post(f"/demarches/{run.pk}/", {"answer": "echec"})  # double authentification
    assert response.status_code == 302
    page = text(client.get(response["Location"], follow=True))
    assert "Activer la double authentification" in page and "Transmettre au service DSI" in page
    client.post(f"/demarches/{run.pk}/etape-en-echec/", {"details": "Le QR code ne s'affiche pas"})
    run.refresh_from_db()
    assert run.status == Status.BLOCKED
    ticket = Ticket.objects.get(pk=run.ticket_id)
    assert ticket.service == "DSI" and "Activer la double authentification" in ticket.title
    assert "Ouvrir la session : Fait" in ticket.description and "Le QR code ne s'affiche pas" in ticket.description

    done = start_from_chat(client, "première connexion au poste de travail, comment faire ?")
    for _ in range(5):
        client.post(f"/demarches/{done.pk}/", {"answer": "fait"})
    done.refresh_from_db()
    assert done.status == Status.DONE and done.completed_at is not None


def test_completed_procedures_are_counted_for_the_time_saved():
    agent = client_for("agent.demo")
    run = submitted_mission(agent)
    runs.decide(run, user("responsable.mediatheque"), approve=True)
    runs.decide(run, user("referent.rh"), approve=True)
    today = date.today()
    rows = {row.title: row for row in runs.savings(today - timedelta(days=1), today + timedelta(days=1))}
    assert rows["Demande d'ordre de mission"].completed >= 1
    assert rows["Demande d'ordre de mission"].minutes == 20 * rows["Demande d'ordre de mission"].completed
    dashboard = text(client_for("pilotage.demo").get("/pilotage/"))
    assert "Démarches guidées terminées" in dashboard and "Demande d'ordre de mission" in dashboard


NEW_PROCEDURE = """code: demande-de-badge
titre: Demande de badge d'accès
service: RH
version: "1"
declencheurs:
  - je voudrais un badge d'accès
  - j'ai perdu mon badge d'accès à la mairie
document: {titre: Demande de badge, prefixe: BADGE}
validation: [service]
minutes_economisees: 10
etapes:
  - titre: Le badge
    champs:
      - nom: motif
        type: choix
        libelle: Motif
        question: Pourquoi demandez-vous un badge ?
        preremplir: choix
        choix:
          - {valeur: arrivee, libelle: Arrivée dans la commune, mots_cles: [arrivee]}
          - {valeur: perte, libelle: Badge perdu ou volé, mots_cles: [perdu, vole]}
      - nom: date_souhaitee
        type: date
        libelle: Date souhaitée
        pas_dans_le_passe: true
"""


def test_a_referent_adds_a_procedure_in_the_admin_and_it_works_in_the_chat():
    referent = client_for("referent.rh")
    form = text(referent.get("/admin/procedures/procedure/add/"))
    assert "code: demande-de-badge" in form  # a commented template to start from
    broken = referent.post("/admin/procedures/procedure/add/", {"definition": "code: x\ntitre: y", "is_active": "on"})
    assert broken.status_code == 200 and "« service » est obligatoire" in text(broken)
    other_service = NEW_PROCEDURE.replace("service: RH", "service: DSI")
    refused = referent.post("/admin/procedures/procedure/add/", {"definition": other_service, "is_active": "on"})
    assert "démarches du service RH seulement" in text(refused)
    created = referent.post("/admin/procedures/procedure/add/", {"definition": NEW_PROCEDURE, "is_active": "on"})
    assert created.status_code == 302
    procedure = Procedure.objects.get(slug="demande-de-badge")
    assert procedure.updated_by.username == "referent.rh" and procedure.service == "RH"

    agent = client_for("agent.demo")
    run = start_from_chat(agent, "j'ai perdu mon badge d'accès à la mairie, je voudrais un nouveau badge")
    assert run.procedure == procedure and run.values == {"motif": "perte"}
    assert agent.post(f"/demarches/{run.pk}/", {"answer": "demain"}).status_code == 302
    agent.post(f"/demarches/{run.pk}/confirmer/")
    run.refresh_from_db()
    assert run.status == Status.PENDING and run.reference.startswith("BADGE-")
    runs.decide(run, user("referent.rh"), approve=True)
    run.refresh_from_db()
    assert run.status == Status.APPROVED


def test_editing_a_procedure_keeps_the_runs_in_progress_on_their_version():
    agent = client_for("agent.demo")
    run = start_from_chat(agent)
    procedure = run.procedure
    procedure.definition = procedure.definition.replace("Où se déroule la mission (ville) ?", "Quelle ville ?")
    procedure.save()
    assert procedure.revision == run.revision + 1
    run.refresh_from_db()
    assert run.spec().field("destination").question == "Où se déroule la mission (ville) ?"


def test_nobody_approves_their_own_request_or_two_stages():
    rh = user("referent.rh")  # handles RH, has no manager: the service stage is the only one
    run = submitted_mission_of(rh)
    assert list(run.approvals.values_list("stage", flat=True)) == ["service"]
    assert run not in runs.awaiting(rh)
    with pytest.raises(runs.NotAllowed):
        runs.decide(run, rh, approve=True)
    # A manager who also handles RH decides the first stage only.
    manager = user("responsable.mediatheque")
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get(name="Traitement RH"))
    mission = submitted_mission_of(user("agent.demo"))
    runs.decide(mission, manager, approve=True)
    assert mission not in runs.awaiting(manager)
    with pytest.raises(runs.NotAllowed):
        runs.decide(mission, manager, approve=True)


def test_a_request_whose_manager_left_goes_to_the_service():
    manager = user("responsable.mediatheque")
    manager.is_active = False
    manager.save()
    run = submitted_mission_of(user("agent.demo"))
    assert list(run.approvals.values_list("stage", flat=True)) == ["service"]


def test_a_stale_page_never_files_an_answer_under_another_question():
    client = client_for("agent.demo")
    run = start_from_chat(client)
    client.post(f"/demarches/{run.pk}/", {"answer": "Stage accueil", "field": "intitule"})
    response = client.post(f"/demarches/{run.pk}/", {"answer": "Stage accueil", "field": "intitule"})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.values["intitule"] == "Stage accueil" and "heure_depart" not in run.values


def test_clicking_the_offer_twice_resumes_the_same_draft():
    client = client_for("agent.demo")
    exchange = ask(client, MISSION_QUESTION)
    url = f"/demarches/commencer/{exchange.offered_procedure.slug}/"
    first = client.post(url, {"exchange": exchange.pk})["Location"]
    assert client.post(url, {"exchange": exchange.pk})["Location"] == first
    assert client.post(url, {"exchange": "abc"}).status_code == 302  # not a number: a fresh, empty draft


def test_retention_keeps_counts_and_drops_the_content():
    from datetime import datetime

    from relais.operations.retention import purge

    agent = user("agent.demo")
    done = submitted_mission_of(agent)
    runs.decide(done, user("responsable.mediatheque"), approve=True, comment="Bon pour accord")
    runs.decide(done, user("referent.rh"), approve=True)
    draft = runs.start(agent, Procedure.objects.get(slug="ordre-de-mission"), question="ordre de mission à Lyon")
    report = purge(now=datetime(2100, 1, 1, tzinfo=UTC), days=1)
    assert report.procedure_runs >= 2
    assert not Run.objects.filter(pk=draft.pk).exists()
    done.refresh_from_db()
    assert done.values == {} and done.status == Status.APPROVED
    assert not done.approvals.exclude(comment="").exists()
    assert not OutboxMessage.objects.filter(ticket=None).exclude(payload={}).exists()
    day = timezone.localdate(done.completed_at)  # the town's day (the UTC date differs late in the evening)
    assert runs.savings(day, day)[0].completed >= 1


def test_the_whole_request_can_be_filled_as_one_form():
    client = client_for("agent.demo")
    run = start_from_chat(client)
    page = text(client.get(f"/demarches/{run.pk}/formulaire/"))
    assert 'value="Lyon"' in page and "Quelle est la puissance fiscale" not in page  # car questions come later
    answers = {
        "objet": "formation", "intitule": "", "destination": "Lyon", "date_depart": spoken(START),
        "heure_depart": "7 h 30", "date_retour": spoken(END), "heure_retour": "19 h",
        "transport": "vehicule_personnel", "hebergement": "aucun", "repas_fournis": "non", "avance": "non",
        "commentaire": "",
    }  # fmt: skip
    # Choosing the personal car opens its questions: saved so far, the new ones shown.
    response = client.post(f"/demarches/{run.pk}/formulaire/", answers)
    page = text(response)
    assert response.status_code == 200 and "complétez les nouvelles questions" in page
    assert "Quelle est la puissance fiscale de votre véhicule" in page
    car = {"puissance_fiscale": "6-7cv", "distance_km": "180", "km_annee": ""}
    # A refused answer is explained; the valid ones are saved, the refused one keeps its previous value.
    response = client.post(
        f"/demarches/{run.pk}/formulaire/", {**answers, **car, "date_retour": spoken(START - timedelta(days=1))}
    )
    page = text(response)
    assert response.status_code == 400 and "Date de retour : « Date de retour » ne peut pas être avant" in page
    run.refresh_from_db()
    assert run.values["distance_km"] == 180 and run.values["date_retour"] == END.isoformat()
    assert client.post(f"/demarches/{run.pk}/formulaire/", {**answers, **car}).status_code == 302
    summary = text(client.get(f"/demarches/{run.pk}/"))
    assert "73,80 €" in summary and "Confirmer et envoyer" in summary


def test_a_pending_request_follows_a_change_of_manager():
    agent = user("agent.demo")
    run = submitted_mission_of(agent)
    agent.profile.manager = user("pilotage.demo")  # the team changes hands
    agent.profile.save()
    first = run.approvals.get(position=0)
    assert first.approver.username == "pilotage.demo"
    with pytest.raises(runs.NotAllowed):
        runs.decide(run, user("responsable.mediatheque"), approve=True)
    agent.profile.manager = None  # no manager any more: the service decides
    agent.profile.save()
    assert list(run.approvals.values_list("stage", "decision")) == [("service", Decision.PENDING)]
    runs.decide(run, user("referent.rh"), approve=True)
    run.refresh_from_db()
    assert run.status == Status.APPROVED
