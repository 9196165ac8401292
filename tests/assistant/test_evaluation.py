"""`relais eval answers`: question sets, the fact check, the rates."""

import pytest

from relais.assistant.evaluation import evaluate_answers, read_facts, read_questions, states_fact

ORDRE_DE_MISSION = "Comment demander un ordre de mission ?"


def test_a_fact_is_found_whatever_the_case_accents_apostrophes_and_spacing():
    answer = "La demande se fait dans le PORTAIL   AGENT ; l’absence ne peut dépasser 31\u00a0jours consécutifs."
    assert states_fact(answer, ["portail agent"]) and states_fact(answer, ["31 jours consecutifs"])
    assert states_fact(answer, ["Clé Brume", "l'absence ne peut"])  # any one fragment is enough
    assert not states_fact(answer, ["Clé Brume"]) and not states_fact(answer, ["48 heures"])


def test_facts_are_read_for_the_questions_that_have_one(tmp_path):
    path = tmp_path / "questions.yaml"
    path.write_text(
        '- question: "Combien de jours ?"\n  expected: conges-annuels.md\n  fact: ["31 jours", "trente et un"]\n'
        '- question: "Et le VPN ?"\n  expected: vpn-acces-a-distance.md\n'
        '- question: "La météo ?"\n  expected: none\n',
        encoding="utf-8",
    )
    assert len(read_questions(path)) == 3
    assert read_facts(path) == {"Combien de jours ?": ("31 jours", "trente et un")}


@pytest.mark.parametrize("fact", ["31 jours", "[]", '[""]', "[3]"])
def test_a_fact_that_is_not_a_list_of_fragments_is_refused_with_the_question(tmp_path, fact):
    path = tmp_path / "questions.yaml"
    path.write_text(f'- question: "Combien ?"\n  expected: conges-annuels.md\n  fact: {fact}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="`fact` of 'Combien \\?' must be a list of non-empty strings"):
        read_facts(path)


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_knowledge")
def test_a_right_source_without_the_fact_asked_is_counted_apart():
    questions = [(ORDRE_DE_MISSION, "ordre-de-mission-et-frais-de-deplacement.md")]
    stated = evaluate_answers(questions, {ORDRE_DE_MISSION: ("Portail Agent",)}).as_dict()
    assert stated["correct_source_first"] == 1.0 and stated["fact_stated"] == 1.0
    report = evaluate_answers(questions, {ORDRE_DE_MISSION: ("Clé Brume",)})
    assert report.as_dict()["correct_source_first"] == 1.0 and report.as_dict()["fact_stated"] == 0.0
    assert report.failures == [f"answered (faq) without the fact 'Clé Brume': {ORDRE_DE_MISSION!r}"]
    assert evaluate_answers(questions).as_dict()["fact_stated"] is None  # no labels: no figure
