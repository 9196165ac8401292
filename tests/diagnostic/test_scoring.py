"""The AI-opportunity score: hours, potential, risk rules and recommendations (pure module, no database)."""

import subprocess
import sys

import pytest

from relais.diagnostic.scoring import (
    KIND_LABELS,
    Kind,
    Risk,
    TaskFigures,
    assess,
    hours_per_year,
    nature,
    potential,
    rank,
    risk,
    volume,
)


def task(**changes) -> TaskFigures:
    values = {
        "frequency_per_month": 40,
        "minutes_per_occurrence": 15,
        "repetitiveness": 5,
        "digital_input": 5,
        "personal_data": False,
        "decision_about_people": False,
        "title": "Mettre à jour le tableau de suivi",
    }
    return TaskFigures(**{**values, **changes})


def test_hours_per_year_is_frequency_times_12_times_minutes_over_60():
    assert hours_per_year(40, 15) == 120.0
    assert hours_per_year(2.5, 30) == 15.0


def test_potential_weighs_repetitiveness_more_than_digital_input():
    assert potential(1, 1) == 0.0
    assert potential(5, 5) == 1.0
    assert potential(5, 1) == pytest.approx(0.6)
    assert potential(1, 5) == pytest.approx(0.4)
    assert potential(3, 3) == pytest.approx(0.5)


def test_risk_rules():
    assert risk(personal_data=False, decision_about_people=False) is Risk.LOW
    assert risk(personal_data=True, decision_about_people=False) is Risk.MODERATE
    assert risk(personal_data=False, decision_about_people=True) is Risk.HIGH
    assert risk(personal_data=True, decision_about_people=True) is Risk.HIGH


def test_volume_is_logarithmic_and_capped():
    assert volume(0) == 0.0
    assert volume(1000) == pytest.approx(1.0)
    assert volume(5000) == 1.0
    assert volume(100) == pytest.approx(0.668, abs=0.001)


def test_a_repetitive_digital_task_without_risk_is_automated_outside_relais():
    o = assess(task())
    assert o.hours_per_year == 120.0
    assert o.risk is Risk.LOW
    assert o.kind is Kind.AUTOMATION
    assert o.score == round(100 * 1.0 * volume(120))  # 69
    assert o.score == 69
    assert o.saved_hours == pytest.approx(60.0)
    assert o.reasons[0].startswith("120 h par an (40 fois par mois × 15 min)")
    assert "automatisable" in o.reasons[1]


@pytest.mark.parametrize("personal_data", [False, True])
def test_a_task_deciding_about_people_is_never_automated(personal_data):
    o = assess(task(decision_about_people=True, personal_data=personal_data))
    assert o.risk is Risk.HIGH and o.high_risk
    assert o.kind is Kind.HUMAN_REVIEW
    assert o.label == "Assistance sous contrôle humain"
    assert any("règlement européen sur l'IA" in r and "jamais d'automatisation" in r for r in o.reasons)
    assert o.score == round(100 * volume(120) * 0.5)


@pytest.mark.parametrize(
    "title", ["Répondre aux questions sur les congés", "Rédiger les courriers", "Saisir les demandes"]
)
def test_whatever_its_wording_a_high_risk_task_gets_at_most_human_review(title):
    o = assess(task(title=title, decision_about_people=True))
    assert o.kind in {Kind.HUMAN_REVIEW, Kind.NOT_RECOMMENDED}
    assert o.kind is not Kind.AUTOMATION


def test_a_high_risk_task_not_worth_it_is_not_recommended_and_still_flagged():
    o = assess(task(frequency_per_month=1, minutes_per_occurrence=10, decision_about_people=True))
    assert o.kind is Kind.NOT_RECOMMENDED
    assert o.score == 0
    assert o.risk is Risk.HIGH
    assert "haut risque" in o.reasons[-1]


def test_personal_data_blocks_automation_without_an_impact_assessment():
    o = assess(task(personal_data=True))
    assert o.risk is Risk.MODERATE
    assert o.kind is Kind.PROCEDURE
    assert any("AIPD" in r for r in o.reasons)
    assert o.score == round(100 * volume(120) * 0.8)


def test_too_few_hours_or_too_little_potential_is_not_recommended():
    few = assess(task(frequency_per_month=1, minutes_per_occurrence=30))  # 6 h a year
    assert few.kind is Kind.NOT_RECOMMENDED and few.score == 0 and few.saved_hours == 0
    assert "moins de 12 h par an" in few.reasons[-1]
    varied = assess(task(repetitiveness=2, digital_input=4))  # potential 0.45
    assert varied.kind is Kind.NOT_RECOMMENDED
    assert "trop variée" in varied.reasons[-1]


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Répondre aux questions des agents sur la paie", Kind.KNOWLEDGE_BASE),
        ("Renseigner les familles sur les inscriptions", Kind.KNOWLEDGE_BASE),
        ("Rédiger les comptes rendus de réunion", Kind.DRAFTING),
        ("Préparer les délibérations", Kind.DRAFTING),
        ("Instruire les demandes de réservation de salle", Kind.PROCEDURE),
        ("Dépanner le matériel informatique", None),
    ],
)
def test_the_wording_says_the_kind_of_help(title, kind):
    assert nature(title)[0] is kind
    if kind is not None:
        assert assess(task(title=title)).kind is kind


def test_without_telling_words_paper_input_calls_for_a_procedure_routine_for_automation_the_rest_drafting():
    assert assess(task(digital_input=2, repetitiveness=5)).kind is Kind.PROCEDURE
    assert assess(task(digital_input=3, repetitiveness=4)).kind is Kind.AUTOMATION
    assert assess(task(digital_input=4, repetitiveness=3)).kind is Kind.DRAFTING


def test_rank_puts_the_best_score_first_then_the_most_hours():
    a, b, c = assess(task()), assess(task(frequency_per_month=400)), assess(task(decision_about_people=True))
    assert [name for name, _ in rank([("a", a), ("b", b), ("c", c)])] == ["b", "a", "c"]


def test_every_kind_has_a_french_label():
    assert set(KIND_LABELS) == set(Kind)
    assert KIND_LABELS[Kind.KNOWLEDGE_BASE] == "Réponse dans la base de connaissances de Relais"


def test_the_scoring_module_imports_no_django():
    script = "import sys, relais.diagnostic.scoring; print(any(m.startswith('django') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
