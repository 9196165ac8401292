"""A complete ordre de mission, sent for approval, without going through the pages."""

from __future__ import annotations

from relais.engine.procedures import filling
from relais.procedures import runs
from relais.procedures.models import Procedure, Run
from tests.procedures.dates import mission_dates, spoken

ANSWERS = {
    "objet": "formation",
    "intitule": "",
    "destination": "Lyon",
    "heure_depart": "7 h 30",
    "heure_retour": "19 h",
    "transport": "train",
    "cout_train": "",
    "hebergement": "aucun",
    "repas_fournis": "non",
    "avance": "non",
    "commentaire": "",
}


def submitted_mission(user) -> Run:
    start, end = mission_dates()
    answers = {**ANSWERS, "date_depart": spoken(start), "date_retour": spoken(end)}
    run = runs.start(user, Procedure.objects.get(slug="ordre-de-mission"))
    while (spec := filling.next_field(run.spec(), run.values)) is not None:
        runs.answer(run, spec.name, answers[spec.name])
    runs.confirm(run)
    run.refresh_from_db()
    return run
