"""The procedure engine: definitions, validation, conditions, pre-filling from French questions, estimates."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from relais.engine.procedures import definition, filling, loading, mission_costs
from relais.engine.procedures.definition import InvalidAnswer, ProcedureError

DEMO = Path(__file__).resolve().parents[3] / "demo"
TODAY = date(2026, 11, 26)  # a Thursday


@pytest.fixture(scope="module")
def mission() -> definition.ProcedureDefinition:
    return loading.parse_yaml((DEMO / "procedures" / "ordre-de-mission.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def checklist() -> definition.ProcedureDefinition:
    return loading.parse_yaml((DEMO / "procedures" / "premiere-connexion.yaml").read_text(encoding="utf-8"))


def fill(procedure: definition.ProcedureDefinition, answers: dict[str, str], values: dict | None = None) -> dict:
    values = dict(values or {})
    for name, raw in answers.items():
        values = filling.answer(procedure, procedure.field(name), raw, values, TODAY)
    return values


MISSION_ANSWERS = {
    "objet": "formation",
    "intitule": "Accueil des publics",
    "destination": "Lyon",
    "date_depart": "3 mars",
    "heure_depart": "7 h 30",
    "date_retour": "5 mars",
    "heure_retour": "19 h",
    "transport": "Véhicule personnel",
    "puissance_fiscale": "6 et 7 CV",
    "distance_km": "180",
    "km_annee": "",
    "hebergement": "hotel",
    "zone_hebergement": "grande_ville",
    "repas_fournis": "non",
    "avance": "non",
    "commentaire": "",
}


# --- definitions -----------------------------------------------------------------------------------


def test_demo_procedures_load(mission, checklist):
    assert mission.slug == "ordre-de-mission" and mission.service == "RH" and mission.kind == "demande"
    assert mission.approval == ("responsable", "service")
    assert [step.title for step in mission.steps] == ["La mission", "Le transport", "Hébergement et frais"]
    assert checklist.kind == "checklist" and all(spec.type == "step" for spec in checklist.fields)
    assert len(checklist.fields) == 5


HEAD = "code: a\ntitre: x\nservice: RH\ndeclencheurs: [a]\n"
ONE_STEP = HEAD + "etapes:\n - titre: t\n   champs:\n"
BROKEN = [
    ("titre: x", "« code » est obligatoire"),
    ("code: Ordre De Mission\ntitre: x\nservice: RH\ndeclencheurs: [a]\netapes: []", "minuscules, chiffres et tirets"),
    ("code: a\ntitre: x\nservice: RH\ndeclencheurs: [a]\netapes: []", "liste « etapes »"),
    (
        ONE_STEP + "    - {nom: d, type: dat, libelle: D}",
        "type « dat » inconnu",
    ),
    (
        ONE_STEP + "    - {nom: d, type: date, libelle: D, apres: z}",
        "« apres » renvoie à « z »",
    ),
    (
        ONE_STEP + "    - {nom: c, type: choix, libelle: C, choix: [Oui, Non]}\n"
        "    - {nom: d, type: texte, libelle: D, si: {c: peut-etre}}",
        "« si » attend une valeur de « c »",
    ),
    ("code: a\ntitre: x\nservice: RH\ndeclencheurs: [a]\n  etapes: [", "pas du YAML valide (ligne"),
    ("- juste une liste", "décrite par des clés"),
    (
        "code: a\ntitre: x\nservice: RH\ndeclencheurs: [a]\nvalidation: [directeur]\netapes:\n - titre: t\n   champs:\n"
        "    - {nom: d, type: texte, libelle: D}",
        "« validation »",
    ),
    (
        "code: a\ntitre: x\nservice: RH\ndeclencheurs: [a]\netapes:\n - titre: t\n   champs:\n"
        "    - {nom: d, type: etape, libelle: D}",
        "réservés aux démarches de type checklist",
    ),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_broken_definitions_explain_themselves_in_french(text, message):
    with pytest.raises(ProcedureError) as caught:
        loading.parse_yaml(text)
    assert message in str(caught.value)


def test_a_calculator_needs_its_fields_and_a_rate_for_every_choice(mission):
    data = yaml.safe_load((DEMO / "procedures" / "ordre-de-mission.yaml").read_text(encoding="utf-8"))
    del data["baremes"]["kilometre"]["8cv"]
    with pytest.raises(ProcedureError, match="pas de taux pour 8cv"):
        loading.load_procedure(data)
    data = yaml.safe_load((DEMO / "procedures" / "ordre-de-mission.yaml").read_text(encoding="utf-8"))
    data["etapes"][0]["champs"] = [f for f in data["etapes"][0]["champs"] if f["nom"] != "heure_retour"]
    with pytest.raises(ProcedureError, match="heure_retour"):
        loading.load_procedure(data)


# --- answers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("date_depart", "le trente février", "Date non reconnue"),
        ("date_depart", "31/02/2027", "Date non reconnue"),
        ("date_depart", "12/11", "Cette date est passée (jeudi 12 novembre 2026)"),
        ("date_depart", "", "obligatoire"),
        ("heure_depart", "25 h", "Heure non reconnue"),
        ("objet", "pique-nique", "Choisissez une des réponses proposées"),
        ("hebergement", "peut-être", "Choisissez une des réponses proposées"),
        ("repas_fournis", "bof", "« oui » ou par « non »"),
        ("intitule", "x" * 501, "trop longue"),
    ],
)
def test_invalid_answers_get_a_clear_french_message(mission, field, raw, message):
    with pytest.raises(InvalidAnswer) as caught:
        filling.answer(mission, mission.field(field), raw, {}, TODAY)
    assert message in str(caught.value)


def test_numbers_are_bounded(mission):
    values = fill(mission, {"transport": "vehicule_personnel"})
    with pytest.raises(InvalidAnswer, match="au moins 1"):
        filling.answer(mission, mission.field("distance_km"), "0", values, TODAY)
    with pytest.raises(InvalidAnswer, match="dépasser 5"):
        filling.answer(mission, mission.field("distance_km"), "12000", values, TODAY)
    assert filling.answer(mission, mission.field("distance_km"), "180 km", values, TODAY)["distance_km"] == 180


def test_a_return_before_the_departure_is_refused(mission):
    values = fill(mission, {"date_depart": "5 mars"})
    with pytest.raises(InvalidAnswer) as caught:
        filling.answer(mission, mission.field("date_retour"), "3 mars", values, TODAY)
    assert "« Date de retour » ne peut pas être avant « Date de départ » (vendredi 5 mars 2027)" in str(caught.value)


def test_times_compare_across_days(mission):
    values = fill(mission, {"date_depart": "3 mars", "heure_depart": "17 h", "date_retour": "4 mars"})
    assert fill(mission, {"heure_retour": "9 h"}, values)["heure_retour"] == "09:00"  # next morning: fine
    same_day = fill(mission, {"date_retour": "3 mars"}, values)
    with pytest.raises(InvalidAnswer, match="Heure de retour"):
        filling.answer(mission, mission.field("heure_retour"), "9 h", same_day, TODAY)


def test_a_departure_moved_after_the_return_is_one_error_on_the_dates(mission):
    """Issue 19: the return at 19 h 30 was also said to be before the departure « (7 h 15) »."""
    times = {"date_depart": "3 mars", "heure_depart": "7 h 15", "date_retour": "5 mars", "heure_retour": "19 h 30"}
    values = fill(mission, {"date_depart": "8 mars"}, fill(mission, times))  # edited from the summary: accepted
    problems = filling.errors(mission, values, TODAY)
    assert problems == {
        **{k: v for k, v in problems.items() if k not in {"date_retour", "heure_retour"}},
        "date_retour": "« Date de retour » ne peut pas être avant « Date de départ » (lundi 8 mars 2027).",
    }  # the dates are wrong, not the hours
    assert filling.check_field(mission, mission.field("heure_retour"), values, TODAY) is None


def test_hours_on_different_days_name_the_days_when_no_date_rule_does(mission):
    data = yaml.safe_load((DEMO / "procedures" / "ordre-de-mission.yaml").read_text(encoding="utf-8"))
    for field in data["etapes"][0]["champs"]:
        if field["nom"] == "date_retour":
            del field["apres"]  # its hours are still compared across days
    loose = loading.load_procedure(data)
    times = {"date_depart": "8 mars", "heure_depart": "7 h 15", "date_retour": "5 mars"}
    with pytest.raises(InvalidAnswer) as caught:
        filling.answer(loose, loose.field("heure_retour"), "19 h 30", fill(loose, times), TODAY)
    assert str(caught.value) == (
        "« Heure de retour » (le vendredi 5 mars 2027 à 19 h 30) doit être après « Heure de départ » "
        "(le lundi 8 mars 2027 à 7 h 15)."
    )


def test_a_return_before_the_departure_the_same_day_names_both_hours(mission):
    values = fill(mission, {"date_depart": "3 mars", "heure_depart": "9 h", "date_retour": "3 mars"})
    with pytest.raises(InvalidAnswer) as caught:
        filling.answer(mission, mission.field("heure_retour"), "8 h 30", values, TODAY)
    assert str(caught.value) == "« Heure de retour » (8 h 30) doit être après « Heure de départ » (9 h)."


def test_optional_fields_can_be_skipped_and_required_ones_cannot(mission):
    assert fill(mission, {"intitule": ""})["intitule"] is None
    with pytest.raises(InvalidAnswer, match="obligatoire"):
        filling.answer(mission, mission.field("destination"), "   ", {}, TODAY)


# --- conditions and order --------------------------------------------------------------------------


def test_conditions_decide_which_questions_are_asked(mission):
    by_train = fill(mission, {"transport": "train"})
    names = {spec.name for spec in filling.active_fields(mission, by_train)}
    assert "cout_train" in names and "puissance_fiscale" not in names and "distance_km" not in names
    by_car = fill(mission, {"transport": "vehicule_personnel"})
    names = {spec.name for spec in filling.active_fields(mission, by_car)}
    assert {"puissance_fiscale", "distance_km", "km_annee"} <= names and "cout_train" not in names
    no_answer = {spec.name for spec in filling.active_fields(mission, {})}
    assert "zone_hebergement" not in no_answer  # a condition on an unanswered field is not met


def test_changing_a_choice_drops_the_answers_it_no_longer_asks(mission):
    values = fill(mission, {"transport": "vehicule_personnel", "puissance_fiscale": "5cv", "distance_km": "40"})
    values = fill(mission, {"transport": "train"}, values)
    assert "puissance_fiscale" not in values and "distance_km" not in values


def test_next_field_walks_the_applicable_fields_in_order(mission):
    values: dict = {}
    asked = []
    while (spec := filling.next_field(mission, values)) is not None:
        asked.append(spec.name)
        values = filling.answer(mission, spec, MISSION_ANSWERS.get(spec.name, ""), values, TODAY)
    assert asked == [name for name in MISSION_ANSWERS]
    assert filling.errors(mission, values, TODAY) == {}


def test_errors_list_what_a_summary_must_show(mission):
    values = {"date_depart": "2026-11-12", "date_retour": "2027-03-05", "heure_depart": "09:00"}
    assert "passée" in filling.errors(mission, values, TODAY)["date_depart"]
    values = {"date_depart": "2027-03-05", "date_retour": "2027-03-03"}
    problems = filling.errors(mission, values, TODAY)
    assert "date_depart" not in problems
    assert "ne peut pas être avant" in problems["date_retour"]
    assert problems["destination"] == "Cette information manque."


# --- pre-filling from the question -------------------------------------------------------------------


def test_prefill_reads_destination_dates_and_purpose(mission):
    values = filling.prefill(
        mission, "je dois faire un ordre de mission pour une formation à Lyon du 3 au 5 mars", TODAY
    )
    assert values == {
        "objet": "formation",
        "destination": "Lyon",
        "date_depart": "2027-03-03",
        "date_retour": "2027-03-05",
    }


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("je pars demain à Montpellier pour une réunion", date(2026, 11, 27), date(2026, 11, 27)),
        ("ordre de mission pour la semaine prochaine à Nantes", date(2026, 11, 30), date(2026, 12, 4)),
        ("colloque à Paris du 3 au 5 mars", date(2027, 3, 3), date(2027, 3, 5)),
    ],
)
def test_prefill_understands_french_dates(mission, question, start, end):
    values = filling.prefill(mission, question, TODAY)
    assert values["date_depart"] == start.isoformat()
    assert values["date_retour"] == end.isoformat()


def test_prefill_with_a_car_keeps_only_applicable_values(mission):
    values = filling.prefill(mission, "réunion à Lyon demain avec ma voiture", TODAY)
    assert values["transport"] == "vehicule_personnel" and values["objet"] == "reunion"
    assert filling.next_field(mission, values).name == "intitule"


def test_prefill_says_nothing_it_did_not_read(mission):
    assert filling.prefill(mission, "comment faire un ordre de mission ?", TODAY) == {}


# --- display and estimate ------------------------------------------------------------------------


def test_summary_displays_values_in_french(mission):
    values = fill(mission, MISSION_ANSWERS)
    shown = {spec.name: text for _, rows in filling.summary(mission, values) for spec, text in rows}
    assert shown["date_depart"] == "mercredi 3 mars 2027"
    assert shown["heure_depart"] == "7 h 30" and shown["heure_retour"] == "19 h"
    assert shown["transport"] == "Véhicule personnel" and shown["repas_fournis"] == "Non"
    assert shown["intitule"] == "Accueil des publics"
    assert "cout_train" not in shown


def test_estimate_counts_meals_nights_and_kilometres(mission):
    values = fill(mission, MISSION_ANSWERS)
    estimate = mission_costs.estimate(mission, values)
    lines = {line.label: line for line in estimate.lines}
    # 3 lunches (7 h 30 on day 1 to 19 h on day 3) and 2 dinners (not day 3: back at 19 h, before 21 h).
    assert lines["Repas"].amount == Decimal("100.00") and lines["Repas"].detail == "5 × 20,00 €"
    assert lines["Hébergement"].amount == Decimal("240.00")  # 2 nights in a big city at 120 €
    assert lines["Indemnités kilométriques"].amount == Decimal("73.80")  # 180 km × 0,41 € (6–7 CV, < 2 000 km)
    assert estimate.total == Decimal("413.80")
    assert estimate.source == mission.rates_source


def test_estimate_uses_the_tranche_of_kilometres_already_driven(mission):
    values = fill(mission, {**MISSION_ANSWERS, "km_annee": "4 500", "repas_fournis": "oui", "hebergement": "aucun"})
    lines = {line.label: line for line in mission_costs.estimate(mission, values).lines}
    assert lines["Indemnités kilométriques"].amount == Decimal("91.80")  # 180 × 0,51 €
    assert "Repas" not in lines and "Hébergement" not in lines


def test_rates_are_those_of_the_cited_barème_document(mission):
    """The procedure's rates must be the ones the demo documents publish (« estimated from the demo documents »)."""
    sources = {p.name: p.read_text(encoding="utf-8") for p in (DEMO / "documents").glob("*.md")}
    barème = next(text for text in sources.values() if f"# {mission.rates_source}" in text)
    published = {Decimal(amount.replace(",", ".")) for amount in re.findall(r"(\d+(?:,\d+)?) €", barème)}
    rates = [mission.rates["repas"], *mission.rates["nuitee"].values()]
    rates += [rate for table in mission.rates["kilometre"].values() for rate in table]
    assert {Decimal(str(rate)) for rate in rates} <= published


# --- checklist ---------------------------------------------------------------------------------------


def test_checklist_steps_record_done_or_failed(checklist):
    values = fill(checklist, {"demarrer": "fait", "mot_de_passe": "c'est fait"})
    assert filling.failed_step(checklist, values) is None
    values = fill(checklist, {"double_authentification": "ça ne marche pas"}, values)
    failed = filling.failed_step(checklist, values)
    assert failed.name == "double_authentification"
    assert filling.display(failed, values[failed.name]) == "Ne fonctionne pas"


@pytest.mark.parametrize(("minutes", "shown"), [(2880, "2 jours"), (210, "3 h 30"), (3090, "51 h 30"), (60, "1 h")])
def test_durations_display_in_a_form_that_parses_back(minutes, shown):
    spec = definition.FieldSpec("duree", "duration", "Durée", "Durée ?")
    assert filling.display(spec, minutes) == shown
    assert filling.parse_answer(spec, shown, TODAY) == minutes


def test_every_displayed_value_of_a_mission_parses_back_to_itself(mission):
    """The edit page shows the current answer in the field: saving it unchanged must keep the same value."""
    values = fill(mission, {**MISSION_ANSWERS, "km_annee": "12 500"})
    for spec in filling.active_fields(mission, values):
        if values.get(spec.name) is None:
            continue
        shown = (
            spec.choice_label(values[spec.name]) if spec.type == "choice" else filling.display(spec, values[spec.name])
        )
        assert filling.parse_answer(spec, shown, TODAY) == values[spec.name], spec.name


# --- robustness (review findings) -----------------------------------------------------------------------


def test_dropping_an_answer_drops_what_depended_on_it():
    chained = loading.parse_yaml(
        ONE_STEP
        + "    - {nom: a, type: choix, libelle: A, choix: [x, z]}\n"
        + "    - {nom: b, type: choix, libelle: B, choix: [y, w], si: {a: x}}\n"
        + "    - {nom: c, type: texte, libelle: C, si: {b: y}}\n"
    )
    values = fill(chained, {"a": "x", "b": "y", "c": "bonjour"})
    assert fill(chained, {"a": "z"}, values) == {"a": "z"}


def test_absurd_dates_are_refused_without_hanging(mission):
    with pytest.raises(InvalidAnswer, match="trop lointaine"):
        filling.answer(mission, mission.field("date_depart"), "31/12/9999", {}, TODAY)
    with pytest.raises(InvalidAnswer, match="Date non reconnue"):
        filling.answer(mission, mission.field("date_depart"), "dans 3000000 jours", {}, TODAY)
    assert filling.prefill(mission, "ordre de mission dans 5000000 jours", TODAY) == {}


def test_a_return_at_the_very_time_of_departure_is_refused(mission):
    values = fill(mission, {"date_depart": "3 mars", "heure_depart": "9 h", "date_retour": "3 mars"})
    with pytest.raises(InvalidAnswer, match="doit être après « Heure de départ »"):
        filling.answer(mission, mission.field("heure_retour"), "9 h", values, TODAY)


def test_a_trip_across_a_kilometre_threshold_is_paid_at_each_rate(mission):
    values = fill(mission, {**MISSION_ANSWERS, "puissance_fiscale": "5cv", "distance_km": "300", "km_annee": "1900"})
    lines = {line.label: line for line in mission_costs.estimate(mission, values).lines}
    assert lines["Indemnités kilométriques"].amount == Decimal("112.00")  # 100 × 0,32 + 200 × 0,40
    assert lines["Indemnités kilométriques"].detail == "100 km × 0,32 €/km + 200 km × 0,40 €/km"


def test_a_departure_at_midnight_counts_that_night(mission):
    values = fill(mission, {**MISSION_ANSWERS, "heure_depart": "minuit"})
    lines = {line.label: line for line in mission_costs.estimate(mission, values).lines}
    assert lines["Hébergement"].amount == Decimal("360.00")  # 3 nights at 120 €


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["baremes"]["kilometre"].update({"5cv": [0.32]}), "trois taux"),
        (lambda d: d["baremes"].update({"repas": "vingt"}), "sont des montants"),
        (lambda d: d["document"].update({"prefixe": 'O"M'}), "1 à 12 lettres ou chiffres"),
        (lambda d: d.update({"date_effet": date(2026, 1, 1)}), "dates entre guillemets"),
    ],
)
def test_definitions_that_would_fail_later_are_refused_at_load(change, message):
    data = yaml.safe_load((DEMO / "procedures" / "ordre-de-mission.yaml").read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(ProcedureError, match=message):
        loading.load_procedure(data)


def test_comparisons_are_between_dates_or_times_only():
    with pytest.raises(ProcedureError, match="deux champs date, ou deux champs heure"):
        loading.parse_yaml(
            ONE_STEP
            + "    - {nom: a, type: montant, libelle: A}\n    - {nom: b, type: montant, libelle: B, apres: a}\n"
        )


def test_keywords_match_whatever_the_typography():
    procedure = loading.parse_yaml(
        HEAD.replace("declencheurs: [a]", "declencheurs: [a]\nmots_cles: [oeuvres sociales]")
        + "etapes:\n - titre: t\n   champs:\n    - {nom: d, type: texte, libelle: D}\n"
    )
    assert loading.mentions(procedure, "Les Œuvres sociales du COS ?")
    assert not loading.mentions(procedure, "Les congés annuels")


def test_prefill_and_choices_are_checked_at_load():
    with pytest.raises(ProcedureError, match="s'applique à un champ de type date"):
        loading.parse_yaml(ONE_STEP + "    - {nom: d, type: texte, libelle: D, preremplir: debut}\n")
    with pytest.raises(ProcedureError, match="deux choix ont la même valeur"):
        loading.parse_yaml(ONE_STEP + "    - {nom: c, type: choix, libelle: C, choix: [Oui, oui]}\n")


def test_answers_and_keywords_are_compared_folded_with_symbols_as_spaces():
    assert definition.fold("  D’accord,  Œuvre N°5 ! ") == "d'accord oeuvre n 5"
