"""Working groups, the roadmap of « chantiers » and the awareness actions: rules, demo, pages, access."""

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from relais.diagnostic import charts, roadmap
from relais.diagnostic.inventory import load_folder
from relais.diagnostic.models import AwarenessAction, Campaign, Chantier, Service, Task, WorkingSession
from tests.diagnostic.people import DENIED, LOGIN, ROLES, client_for, create_people, wrong_statuses

pytestmark = pytest.mark.django_db
User = get_user_model()
FOLDER = Path(__file__).resolve().parents[2] / "demo" / "diagnostic"


@pytest.mark.parametrize(
    ("value", "effort", "expected"),
    [(5, 1, "Gain rapide"), (3, 3, "Gain rapide"), (3, 4, "Projet structurant"), (2, 3, "Amélioration d'appoint"),
     (1, 5, "À reconsidérer")],
)  # fmt: skip
def test_quadrants(value, effort, expected):
    assert roadmap.quadrant(value, effort) == expected


def test_priority_puts_the_widest_value_over_effort_margin_first():
    rows = [(2, 1, "b"), (5, 4, "c"), (5, 2, "a"), (4, 1, "d")]
    ordered = sorted(rows, key=lambda r: roadmap.priority_key(*r))
    assert [r[2] for r in ordered] == ["a", "d", "c", "b"]  # equal margins: the larger value first


@pytest.fixture()
def town():
    campaign = Campaign.objects.create(name="Diag", opened_on=date.today(), deadline=date.today() + timedelta(10))
    rh, dsi = Service.objects.create(name="RH"), Service.objects.create(name="DSI")
    create_people(rh)
    task = Task.objects.create(
        campaign=campaign, service=rh, title="Répondre aux questions sur la paie", frequency_per_month=Decimal(60),
        minutes_per_occurrence=Decimal(10), repetitiveness=4, digital_input=4,
    )  # fmt: skip
    other = Task.objects.create(
        campaign=campaign, service=dsi, title="Réinitialiser les mots de passe", frequency_per_month=Decimal(80),
        minutes_per_occurrence=Decimal(8), repetitiveness=5, digital_input=5,
    )  # fmt: skip
    chantier = Chantier.objects.create(campaign=campaign, service=dsi, name="Mots de passe", value=4, effort=2,
                                       owner="Responsable DSI")  # fmt: skip
    chantier.tasks.add(other)
    session = WorkingSession.objects.create(campaign=campaign, service=dsi, held_on=date.today(), participants="A",
                                            decisions="D")  # fmt: skip
    action = AwarenessAction.objects.create(campaign=campaign, service=dsi, kind="session", held_on=date.today(),
                                            attendees=5)  # fmt: skip
    return {"campaign": campaign, "rh": rh, "dsi": dsi, "task": task, "chantier": chantier, "session": session,
            "action": action}  # fmt: skip


MATRIX = {
    "/diagnostic/feuille-de-route/": [LOGIN, DENIED, 200, 200, 200],
    "/diagnostic/services/{rh}/seances/ajouter/": [LOGIN, DENIED, 200, DENIED, 200],
    "/diagnostic/services/{rh}/sensibilisation/ajouter/": [LOGIN, DENIED, 200, DENIED, 200],
    "/diagnostic/services/{rh}/chantiers/ajouter/": [LOGIN, DENIED, 200, DENIED, 200],
    "/diagnostic/services/{dsi}/chantiers/ajouter/": [LOGIN, DENIED, 404, DENIED, 200],
    "/diagnostic/services/{dsi}/chantiers/{chantier}/": [LOGIN, DENIED, 404, DENIED, 200],
    "/diagnostic/services/{dsi}/seances/{session}/": [LOGIN, DENIED, 404, DENIED, 200],
    "/diagnostic/services/{dsi}/sensibilisation/{action}/": [LOGIN, DENIED, 404, DENIED, 200],
    "/diagnostic/services/{rh}/chantiers/{chantier}/": [LOGIN, DENIED, 404, DENIED, 404],  # a DSI chantier
}


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(role, town):
    ids = {k: town[k].pk for k in ["rh", "dsi", "chantier", "session", "action"]}
    wrong = wrong_statuses(role, MATRIX, ids)
    assert wrong == {}, f"{role}: path → (got, expected)"


def test_a_referent_cannot_post_into_another_service(town):
    client = client_for("referent.rh")
    dsi = town["dsi"].pk
    response = client.post(f"/diagnostic/services/{dsi}/chantiers/{town['chantier'].pk}/supprimer/")
    assert response.status_code == 404
    assert client.post(f"/diagnostic/services/{dsi}/seances/ajouter/", {}).status_code == 404
    assert Chantier.objects.count() == 1 and WorkingSession.objects.count() == 1


def test_a_referent_adds_a_session_an_action_and_a_chantier_for_their_service(town):
    client = client_for("referent.rh")
    rh, task = town["rh"].pk, town["task"]
    response = client.post(f"/diagnostic/services/{rh}/seances/ajouter/", {
        "held_on": "2026-02-03", "participants": "Référente RH\nGestionnaire paie", "tasks": [task.pk],
        "decisions": "Publier les réponses sur la paie",
    })  # fmt: skip
    assert response.status_code == 302
    session = WorkingSession.objects.get(service=town["rh"])
    assert session.participant_list == ["Référente RH", "Gestionnaire paie"]
    assert list(session.tasks.all()) == [task]
    # The same day twice is refused, in French.
    again = client.post(f"/diagnostic/services/{rh}/seances/ajouter/",
                        {"held_on": "2026-02-03", "participants": "X", "decisions": "Y"})  # fmt: skip
    assert "Une séance de ce groupe est déjà notée à cette date." in again.content.decode()
    response = client.post(f"/diagnostic/services/{rh}/sensibilisation/ajouter/",
                           {"kind": "seminaire", "held_on": "2026-01-20", "attendees": "2"})  # fmt: skip
    assert response.status_code == 302
    response = client.post(f"/diagnostic/services/{rh}/chantiers/ajouter/", {
        "name": "Questions paie dans Relais", "tasks": [task.pk], "value": "5", "effort": "1", "owner": "Référente RH",
        "status": "en_cours",
    })  # fmt: skip
    assert response.status_code == 302 and response["Location"] == "/diagnostic/feuille-de-route/"
    chantier = Chantier.objects.get(name="Questions paie dans Relais")
    assert (chantier.service, list(chantier.tasks.all()), chantier.value, chantier.effort) == (town["rh"], [task], 5, 1)
    # A name already used in the campaign (by another service) is refused; a task of another service is not offered.
    clash = client.post(f"/diagnostic/services/{rh}/chantiers/ajouter/", {
        "name": "mots de passe", "value": "3", "effort": "3", "owner": "X", "status": "a_lancer",
    })  # fmt: skip
    assert "Un chantier de ce nom existe déjà" in clash.content.decode()
    form = client.get(f"/diagnostic/services/{rh}/chantiers/ajouter/").content.decode()
    assert "Réinitialiser les mots de passe" not in form and "<legend>Tâches regroupées</legend>" in form


def test_the_roadmap_page_shows_the_matrix_its_table_and_the_awareness(town):
    page = client_for("pilotage.demo").get("/diagnostic/feuille-de-route/").content.decode()
    assert 'role="img"' in page and "Matrice valeur × effort de 1 chantiers" in page
    assert "n° 1 Mots de passe : valeur 4, effort 2 (Gain rapide)" in page
    assert '<caption id="tableau-matrice-valeur-effort">' in page
    assert '<th scope="row">1</th><td>Mots de passe</td><td>DSI</td><td class="num">4</td>' in page
    assert "Sessions de sensibilisation" in page
    # A lead reads, never edits: no form to delete, no link to add.
    assert "supprimer" not in page and "Ajouter un chantier" not in page


def test_the_matrix_writes_each_number_in_its_cell():
    class Row:
        def __init__(self, number, value, effort):
            self.number, self.value, self.effort, self.name = number, value, effort, f"C{number}"
            self.quadrant = roadmap.quadrant(value, effort)

    svg = str(charts._discs([Row(1, 5, 1), Row(2, 5, 1), Row(3, 1, 5)], 80, 30, 100, 74))
    # Value 5 is the top row, effort 1 the left column: two discs side by side; value 1 × effort 5 bottom right.
    assert '<circle cx="100" cy="62"' in svg and '<circle cx="130" cy="62"' in svg
    assert '<circle cx="500" cy="358"' in svg
    assert svg.count("<circle") == 3


def test_the_demo_roadmap_loads_and_reloads_without_change():
    loaded = load_folder(FOLDER)
    plan = loaded.roadmap
    assert plan.unknown == []
    assert (plan.chantiers, plan.sessions, plan.actions) == (8, 5, 19)
    assert plan.links == 0  # no collection nor procedure in this database: linked once Relais has them
    rows = roadmap.chantiers(Campaign.objects.current())
    assert [r.number for r in rows] == list(range(1, 9))
    assert rows[0].name == "Questions des agents aux RH et à la DSI dans Relais" and rows[0].quadrant == "Gain rapide"
    assert {r.quadrant for r in rows} == {"Gain rapide", "Projet structurant", "Amélioration d'appoint",
                                          "À reconsidérer"}  # fmt: skip
    before = [list(m.objects.order_by("pk").values()) for m in (Chantier, WorkingSession, AwarenessAction)]
    links = [list(Chantier.tasks.through.objects.order_by("pk").values())]
    load_folder(FOLDER)
    after = [list(m.objects.order_by("pk").values()) for m in (Chantier, WorkingSession, AwarenessAction)]
    assert after == before and [list(Chantier.tasks.through.objects.order_by("pk").values())] == links
    rh = next(a for a in roadmap.awareness(Campaign.objects.current(), Service.objects.all()) if a.service.name == "RH")
    assert (rh.seminar_attendees, rh.sessions, rh.session_attendees, rh.group_sessions) == (2, 1, 9, 2)


def test_the_demo_links_tasks_to_relais_when_it_has_them():
    from relais.knowledge.models import Collection

    Collection.objects.create(name="demo-agents")
    loaded = load_folder(FOLDER)
    assert loaded.roadmap.links == 2
    linked = Task.objects.exclude(collection=None).values_list("service__name", "title")
    assert set(linked) == {("RH", "Répondre aux questions des agents sur les congés et les absences"),
                           ("DSI", "Répondre aux questions sur la messagerie et l'agenda")}  # fmt: skip


def test_saving_a_transverse_chantier_keeps_the_tasks_of_other_services(town):
    chantier = town["chantier"]  # carried by the DSI
    chantier.tasks.add(town["task"])  # and grouping an RH task too
    client = client_for("admin")
    form = client.get(f"/diagnostic/services/{town['dsi'].pk}/chantiers/{chantier.pk}/").content.decode()
    assert "RH — Répondre aux questions sur la paie" in form
    response = client.post(f"/diagnostic/services/{town['dsi'].pk}/chantiers/{chantier.pk}/", {
        "name": "Mots de passe", "tasks": [t.pk for t in chantier.tasks.all()], "value": "4", "effort": "2",
        "owner": "Responsable DSI", "status": "en_cours",
    })  # fmt: skip
    assert response.status_code == 302
    chantier.refresh_from_db()
    assert chantier.status == "en_cours" and chantier.tasks.count() == 2
