from relais.engine.answer import NOT_FOUND, Evidence, Thresholds, compose_extractive, confidence, coverage, sentences

MISSION = (
    "Tout déplacement hors de la commune doit être couvert par un ordre de mission signé avant le départ. "
    "La demande se fait dans le Portail Agent, rubrique « Mes déplacements ». "
    "Elle est validée par le responsable puis par le pôle Missions :\n"
    "- pour une mission en France, 10 jours ouvrés avant ;\n"
    "- pour l'étranger, un mois avant.\n"
    "Le restaurant administratif est ouvert de 11 h 30 à 14 h."
)


def evidence(passage_id=1, document_id=1, text=MISSION, dense=0.88, fused=1.0, title="Ordre de mission"):
    return Evidence(passage_id, document_id, title, ("Demande",), text, dense, fused)


def test_sentences_split_on_ends_and_list_items():
    parts = sentences(MISSION)
    assert parts[0].startswith("Tout déplacement") and parts[0].endswith("départ.")
    assert parts[3] == "- pour une mission en France, 10 jours ouvrés avant ;"
    assert len(parts) == 6


def test_coverage_counts_question_terms_in_passage_title_and_path():
    assert coverage("ordre de mission", evidence()) == 1.0
    assert coverage("menu de la cantine demain", evidence()) == 0.0
    assert coverage("", evidence()) == 0.0


def test_confidence_is_limited_by_the_weaker_signal():
    strong = evidence(dense=0.90)
    assert confidence("demander un ordre de mission", strong) > 0.5
    assert confidence("menu de la cantine", strong) < 0.5  # close vector, no shared words
    assert confidence("demander un ordre de mission", evidence(dense=0.70)) < 0.5


def test_extractive_answer_quotes_relevant_sentences_verbatim_in_order():
    answer = compose_extractive("Comment demander un ordre de mission ?", [evidence()])
    assert answer.mode == "extractive" and answer.confidence >= 0.5
    [citation] = answer.citations
    assert citation.document_title == "Ordre de mission" and citation.section_path == ("Demande",)
    # Every sentence of the answer is a sentence of the passage, in the passage's order.
    quoted = sentences(citation.quote)
    source = sentences(MISSION)
    assert all(s in source for s in quoted)
    assert [source.index(s) for s in quoted] == sorted(source.index(s) for s in quoted)
    assert "restaurant" not in citation.quote
    assert answer.text == f"{citation.quote} [1]"


def test_a_list_introduction_brings_its_items():
    answer = compose_extractive("qui valide la demande de mission", [evidence()])
    assert "- pour une mission en France, 10 jours ouvrés avant ;" in answer.citations[0].quote


def test_abstains_with_suggestions_when_not_confident():
    weak = [evidence(dense=0.78), evidence(2, 2, "Le badge s'active à l'accueil.", 0.77, 0.8, "Badges")]
    answer = compose_extractive("Quel est le menu de la cantine demain ?", weak)
    assert answer.mode == "none" and answer.text == NOT_FOUND and not answer.citations
    assert [s.document_title for s in answer.suggestions] == ["Ordre de mission", "Badges"]
    assert compose_extractive("question", []).mode == "none"


def test_close_second_passage_of_the_same_document_is_cited_too():
    second = evidence(2, 1, "Pour l'étranger, la demande part un mois avant le départ.", 0.86, 0.95)
    other_doc = evidence(3, 2, "Texte d'un autre document sur les missions.", 0.86, 0.99)
    answer = compose_extractive("délai de demande d'ordre de mission", [evidence(), second])
    assert [c.passage_id for c in answer.citations] == [1, 2] and answer.text.endswith("[2]")
    answer = compose_extractive("délai de demande d'ordre de mission", [evidence(), other_doc])
    assert [c.passage_id for c in answer.citations] == [1]


def test_thresholds_are_configurable():
    strict = Thresholds(min_dense=0.95, min_coverage=0.9)
    assert compose_extractive("ordre de mission", [evidence()], strict).mode == "none"
