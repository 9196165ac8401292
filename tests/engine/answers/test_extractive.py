from dataclasses import replace

from relais.engine.answers.decision import FEATURES, SHIPPED_MODEL, Features
from relais.engine.answers.extractive import (
    CANDIDATE_PASSAGES,
    CLOSER_EXTRACT,
    NOT_FOUND,
    Answer,
    Citation,
    Evidence,
    compose_extractive,
    content_terms,
    coverage,
    needs_check,
    rank_documents,
    same_question,
    sentences,
    states_more_than_faq,
    support_features,
    typing_shortcuts,
    unknown_terms,
    unnamed_by_entry,
    with_closer_extract,
)

MISSION = (
    "Tout déplacement hors de la commune doit être couvert par un ordre de mission signé avant le départ. "
    "La demande se fait dans le Portail Agent, rubrique « Mes déplacements ». "
    "Elle est validée par le responsable puis par le pôle Missions :\n"
    "- pour une mission en France, 10 jours ouvrés avant ;\n"
    "- pour l'étranger, un mois avant.\n"
    "Le restaurant administratif est ouvert de 11 h 30 à 14 h."
)


def evidence(passage_id=1, document_id=1, text=MISSION, dense=0.88, fused=1.0, title="Ordre de mission", section=None):
    return Evidence(passage_id, document_id, title, section or ("Demande",), text, dense, fused)


def test_sentences_split_on_ends_and_list_items():
    parts = sentences(MISSION)
    assert parts[0].startswith("Tout déplacement") and parts[0].endswith("départ.")
    assert parts[3] == "- pour une mission en France, 10 jours ouvrés avant ;"
    assert len(parts) == 6


def test_content_terms_leave_out_interrogatives_and_modal_verbs():
    assert content_terms("Comment faut-il demander un ordre de mission ?") == content_terms("demander ordre mission")
    assert content_terms("Combien, quand, pourquoi ? Que puis-je faire ?") == set()


def test_coverage_is_the_best_single_sentence_with_its_headings():
    assert coverage("ordre de mission", [evidence()]) == 1.0  # the title and the first sentence
    assert coverage("menu de la cantine demain", [evidence()]) == 0.0
    assert coverage("Comment faire ?", [evidence()]) == 0.0  # no content term
    # Words scattered over several sentences do not count together.
    scattered = evidence(text="Le restaurant ouvre à midi. Le badge est remis le premier jour.", title="Divers")
    assert coverage("badge du restaurant", [scattered]) == 0.5
    assert coverage("badge du restaurant", [scattered, evidence(2, 1, "Le badge du restaurant est gratuit.")]) == 1.0


def test_coverage_weighted_by_rarity_misses_what_the_question_is_about():
    absence = evidence(text="Les jours d'absence sont décomptés en jours ouvrés.")
    question = "jours d'absence pour un mariage"
    assert round(coverage(question, [absence]), 3) == round(2 / 3, 3)
    rarity = {"jour": 0.5, "absenc": 1.0, "mariag": 6.0}.__getitem__
    assert coverage(question, [absence], idf=rarity) == 1.5 / 7.5  # « mariage », the rare term, is missing


def test_unknown_terms_are_long_question_terms_no_retrieved_passage_contains():
    retrieved = [evidence(), evidence(2, 2, "Le badge s'active à l'accueil.", title="Badges")]
    assert unknown_terms("menu de la cantine", retrieved) == {"cantin"}  # « menu » is too short to judge
    assert unknown_terms("badge perdu pour la mission", retrieved) == {"perdu"}
    assert unknown_terms("ordre de mission", retrieved) == set()


def test_unknown_terms_leave_out_masked_personal_data():
    retrieved = [evidence(), evidence(2, 2, "Le badge s'active à l'accueil.", title="Badges")]
    assert unknown_terms("mon [TÉLÉPHONE] et mon [ADRESSE] pour le badge", retrieved) == set()
    assert typing_shortcuts("mon [NIR] et mon [E-MAIL] pour le badge", retrieved) == set()


def test_typing_shortcuts_are_short_unknown_tokens_that_are_not_words():
    retrieved = [evidence(), evidence(2, 2, "Le badge s'active à l'accueil.", title="Badges")]
    # « jai » and « kan » are no French words; « vélo » is one, « SMIC » is an acronym; « ya » is too short.
    assert typing_shortcuts("jai perdu mon badge kan", retrieved) == {"jai", "kan"}
    assert typing_shortcuts("un vélo pour le SMIC ya", retrieved) == set()
    assert typing_shortcuts("le velo", retrieved) == set()  # a word typed without its accent is still a word
    features = support_features("jai perdu mon badge kan", rank_documents(retrieved), retrieved)
    assert (features.unknown, features.shortcuts) == (1, 2)


def test_documents_are_ranked_by_their_best_passage_and_their_closest_faq_phrasing():
    retrieved = [evidence(1, 1, fused=1.0), evidence(2, 2, fused=0.95), evidence(3, 1, fused=0.9)]
    assert [c.document_id for c in rank_documents(retrieved)] == [1, 2]
    [first, second] = rank_documents(retrieved, {1: 0.85, 2: 0.93}, faq_weight=1.5)
    assert first.document_id == 2 and first.score == 0.95 + 1.5 * 0.93
    assert [p.passage_id for p in second.passages] == [1, 3]  # all its retrieved passages, best first


def test_a_document_that_says_what_is_asked_in_one_place_is_ranked_up():
    telework = evidence(1, 1, "Le télétravail est possible deux jours par semaine.", fused=1.0, title="Télétravail")
    at_home = "Depuis votre domicile, impossible d'imprimer sur les copieurs."
    printers = evidence(2, 2, at_home, fused=0.9, title="Imprimantes", section=("Imprimer en télétravail",))
    question = "imprimer en télétravail"
    assert [c.document_id for c in rank_documents([telework, printers], question=question)] == [1, 2]
    ranked = rank_documents([telework, printers], question=question, coverage_weight=0.25)
    assert [c.document_id for c in ranked] == [2, 1] and ranked[0].score == 0.9 + 0.25 * 1.0


def test_a_document_without_faq_entry_counts_as_the_weakest_one():
    retrieved = [evidence(1, 1, fused=1.0), evidence(2, 2, fused=0.9), evidence(3, 3, fused=0.8)]
    ranked = rank_documents(retrieved, {2: 0.95, 3: 0.8}, faq_weight=1.0)
    assert {c.document_id: c.faq_score for c in ranked} == {1: None, 2: 0.95, 3: 0.8}
    assert next(c for c in ranked if c.document_id == 1).score == 1.0 + 0.8


def test_faq_brings_in_a_document_retrieved_deeper_but_not_one_never_retrieved():
    retrieved = [evidence(n, n, fused=1.0 - n / 100) for n in range(1, CANDIDATE_PASSAGES + 1)]
    retrieved.append(evidence(99, 42, fused=0.5))  # document 42 is only retrieved deep
    ranked = rank_documents(retrieved, {42: 0.99, 7: 0.9, 1000: 0.98}, faq_weight=1.5)
    assert 42 in [c.document_id for c in ranked]
    assert 1000 not in [c.document_id for c in ranked]  # no passage to quote
    assert len(rank_documents(retrieved)) == CANDIDATE_PASSAGES


def curated(text: str, document_id: int | None = 1, title: str = "Arrêt maladie", question: str = "") -> Answer:
    """A curated FAQ answer as the pipeline builds it (citing its source page, if it has one)."""
    citations = [Citation(0, document_id, title, (), text, text)] if document_id else []
    return Answer(text, "faq", 0.93, citations, faq_question=question)


SICK_FAQ = curated("Envoyez votre arrêt au service RH.", question="Que faire quand je suis en arrêt maladie ?")


def test_a_page_stating_the_whole_question_replaces_the_faq_answer_about_the_general_case():
    sick = evidence(1, 1, "Si vous tombez malade, envoyez votre arrêt sous 48 heures.", title="Arrêt maladie")
    during = "Si vous tombez malade pendant vos congés annuels, transmettez votre arrêt."
    leave = evidence(2, 2, during, title="Congés annuels", section=("Maladie pendant les congés",))
    question = "Que faire si je tombe malade pendant mes congés annuels ?"
    # The curated answer about sick leave (document 1) gives way to the page that says it all in one place…
    assert states_more_than_faq(question, 2, SICK_FAQ, [sick, leave])
    # It need not state every word of the question: clearly more than the FAQ's page is enough.
    abroad = "Que faire si je tombe malade pendant mes congés annuels à l'étranger ?"
    assert states_more_than_faq(abroad, 2, SICK_FAQ, [sick, leave])
    # …not for the general question, which the FAQ's page states too, nor to the FAQ's own page.
    assert not states_more_than_faq("Que faire si je tombe malade ?", 2, SICK_FAQ, [sick, leave])
    assert not states_more_than_faq(question, 1, SICK_FAQ, [sick, leave])
    # When the FAQ's page covers the question nearly as well, the curated answer stays.
    both = evidence(3, 1, "Malade pendant vos congés annuels ? Prévenez le service.", title="Arrêt maladie")
    assert not states_more_than_faq(question, 2, SICK_FAQ, [sick, both, leave])


def test_a_faq_entry_whose_page_was_not_retrieved_is_judged_on_what_it_says():
    vpn = evidence(5, 5, "Le VPN se lance depuis l'icône Passerelle.", title="VPN", section=("Se connecter",))
    question = "Comment se connecter au VPN depuis chez moi ?"
    said = "Lancez Passerelle, puis connectez-vous au VPN avec votre compte depuis chez vous."
    for entry in (curated(said, document_id=None), curated(said, document_id=9, title="VPN")):
        # No source page, or one not among the passages retrieved: its own text covers the question.
        assert not states_more_than_faq(question, 5, entry, [vpn])
    assert states_more_than_faq(question, 5, curated("Voir la page dédiée.", document_id=None), [vpn])


def test_an_extract_saying_more_of_the_question_follows_a_curated_answer():
    leave = "Vous avez droit à 25 jours de congés par an."
    entry = curated(leave, title="Congés", question="Combien de jours de congés ai-je ?")
    longest = "La durée maximale d'absence est de 31 jours consécutifs."
    page = [evidence(7, 1, longest, title="Congés", section=("Durée maximale",))]
    question = "Combien de jours consécutifs au maximum ?"
    extract = compose_extractive(question, page)
    both = with_closer_extract(question, entry, extract)
    assert both.text == f"{leave} [1]\n\n{CLOSER_EXTRACT} {longest} [2]"
    assert [c.passage_id for c in both.citations] == [0, 7] and both.mode == "faq"
    assert both.faq_question == "Combien de jours de congés ai-je ?"
    # An entry without source page cites nothing: the extract is then [1].
    alone = with_closer_extract(question, curated(leave, document_id=None), extract)
    assert alone.text == f"{leave}\n\n{CLOSER_EXTRACT} {longest} [1]" and len(alone.citations) == 1
    # The curated answer alone when it (with its entry's question) says as much, or when there is no extract.
    assert with_closer_extract("Combien de jours de congés ai-je ?", entry, extract) == entry
    assert with_closer_extract(question, entry, Answer(NOT_FOUND, "none", 0.1)) == entry


def test_features_of_the_chosen_document():
    retrieved = [evidence(1, 1, dense=0.86), evidence(2, 1, dense=0.88, fused=0.7), evidence(3, 2, fused=0.8)]
    features = support_features("ordre de mission", rank_documents(retrieved), retrieved)
    assert features.dense == 0.88  # best cosine of the document's passages
    assert round(features.margin, 6) == 0.2 and features.coverage == 1.0 and features.unknown == 0
    assert features.shortcuts == 0 and len(features.as_tuple()) == len(FEATURES) == len(SHIPPED_MODEL.weights)
    alone = support_features("ordre de mission", rank_documents(retrieved[:1]), retrieved[:1])
    assert alone.margin == 1.0  # no other document: the lead is as large as it gets


def test_answer_model_weighs_the_features():
    model = SHIPPED_MODEL
    strong = Features(dense=0.88, margin=0.4, coverage=1.0, unknown=0)
    assert model.probability(strong) > 0.5
    assert model.probability(Features(0.80, 0.4, 0.5, 0)) < 0.5  # far in meaning, half of what is asked
    # Unknown words never make an answer more likely (the fit drops a signal whose weight has the wrong sign).
    assert model.probability(Features(0.88, 0.4, 1.0, 3)) <= model.probability(strong)
    assert model.probability(Features(0.88, 0.0, 0.0, 0)) < model.probability(strong)
    assert replace(SHIPPED_MODEL, weights=(0,) * len(FEATURES), intercept=0).probability(strong) == 0.5


def test_extractive_answer_quotes_relevant_sentences_verbatim():
    answer = compose_extractive("Comment demander un ordre de mission ?", [evidence()])
    assert answer.mode == "extractive" and answer.confidence >= 0.5
    [citation] = answer.citations
    assert citation.document_title == "Ordre de mission" and citation.section_path == ("Demande",)
    # Every sentence of the answer is a sentence of the passage; at most three, and a list item with its
    # introduction.
    quoted = sentences(citation.quote)
    assert all(s in sentences(MISSION) for s in quoted) and 1 <= len(quoted) <= 4
    assert "restaurant" not in citation.quote
    assert answer.text == f"{citation.quote} [1]"


def test_a_list_introduction_brings_its_items():
    answer = compose_extractive("qui valide la demande de mission", [evidence()])
    assert "- pour une mission en France, 10 jours ouvrés avant ;" in answer.citations[0].quote


def test_abstains_with_suggestions_when_not_confident():
    weak = [evidence(dense=0.78), evidence(2, 2, "Le badge s'active à l'accueil.", 0.77, 0.8, "Badges")]
    answer = compose_extractive("Quel est le menu de la cantine demain ?", weak)
    assert answer.mode == "none" and answer.text == NOT_FOUND and not answer.citations
    assert answer.confidence < 0.5
    assert [s.document_title for s in answer.suggestions] == ["Ordre de mission", "Badges"]
    assert compose_extractive("question", []).mode == "none"


def test_close_faq_phrasing_makes_its_document_the_one_quoted():
    badge = evidence(2, 2, "En cas de perte du badge, demandez-en un nouveau à l'accueil.", 0.87, 0.97, "Badges")
    retrieved = [evidence(), badge]
    # Which document is quoted, by retrieval and FAQ alone (coverage ranks « badge » first, see above).
    confident = replace(SHIPPED_MODEL, coverage_weight=0.0, intercept=1000.0)
    assert compose_extractive("badge perdu", retrieved, confident).citations[0].document_id == 1
    answer = compose_extractive("badge perdu", retrieved, faq_scores={2: 0.91, 1: 0.84})
    assert answer.mode == "extractive" and answer.citations[0].document_id == 2
    assert answer.citations[0].quote == badge.text  # still verbatim from the passage, never the FAQ's words


def test_a_sentence_of_the_documents_second_passage_that_states_the_fact_is_quoted_first():
    second = evidence(2, 1, "Pour une mission à l'étranger, la demande part 30 jours avant le départ.", 0.86, 0.95)
    other_doc = evidence(3, 2, "Pour l'étranger, la demande part 30 jours avant le départ.", 0.86, 0.99)
    question = "Combien de jours avant le départ pour une mission à l'étranger ?"
    answer = compose_extractive(question, [evidence(), second])
    assert answer.citations[0].passage_id == 2 and answer.text.startswith(second.text)
    # Only the chosen document's passages are read: another document's sentence is not quoted with them.
    answer = compose_extractive(question, [evidence(), other_doc], replace(SHIPPED_MODEL, coverage_weight=0.0))
    assert {c.document_id for c in answer.citations} == {answer.citations[0].document_id}


def test_only_unsure_answers_from_the_documentation_need_checking():
    assert needs_check("extractive", 0.63, below=0.8) and needs_check("generated", 0.7, below=0.8)
    assert not needs_check("extractive", 0.85, below=0.8)
    assert not needs_check("faq", 0.5, below=0.8)  # curated by the service
    assert not needs_check("none", 0.2, below=0.8)  # already an abstention


def test_answer_model_is_configurable():
    never = replace(SHIPPED_MODEL, intercept=-1000.0)
    assert compose_extractive("ordre de mission", [evidence()], never).mode == "none"


def test_headings_inserted_between_merged_sections_are_never_quoted():
    text = (
        "Un agent qui ne souhaite pas travailler ce jour-là peut poser un jour de congé annuel ou de RTT.\n\n"
        "Les jours de RTT > Acquisition\n\n"
        "Les RTT sont crédités dans Chronos au 1er janvier.\n\n"
        "Poser un jour de RTT\n\n"
        "La demande de jour de RTT se fait dans Chronos, au moins 48 heures avant."
    )
    answer = compose_extractive("Comment poser un jour de RTT ?", [evidence(text=text, title="RTT")])
    assert answer.mode == "extractive"
    assert ">" not in answer.text and "Poser un jour de RTT" not in answer.text
    assert "La demande de jour de RTT se fait dans Chronos" in answer.text


def test_a_page_a_close_faq_phrasing_points_to_is_quoted_rather_than_abstained_on():
    weak = [evidence(dense=0.70), evidence(passage_id=2, document_id=2, text="Autre sujet.", dense=0.69)]
    assert compose_extractive("Comment demander un ordre de mission ?", weak).mode == "none"
    confirmed = compose_extractive("Comment demander un ordre de mission ?", weak, confirmed_document=1)
    assert confirmed.mode == "extractive" and confirmed.confidence < 0.5
    assert confirmed.citations[0].document_id == 1


def test_a_faq_entry_answers_only_a_question_naming_nothing_it_does_not():
    forgot = ["oubli de badgeage", "J’ai oublié de badger, que dois-je faire ?", "Régularisez dans Chronos."]
    assert unnamed_by_entry("badge perdu", forgot) == {"perdu"} and not same_question("badge perdu", forgot)
    assert same_question("j'ai oublié de badger", forgot)
    assert not same_question("j'ai oublié de badger ce matin", forgot)  # strict: « matin » is not in the entry
    # Typing shortcuts and typos name nothing (« koi », « kan »); interrogatives neither.
    carence = ["c’est quoi le jour de carence", "Le jour de carence est le premier jour d'un arrêt maladie."]
    assert same_question("c koi le jour de carence", carence)
    leave = ["Combien de jours de congés annuels ai-je ?", "Vous avez droit à 25 jours de congés par an."]
    question = "Combien de jours de congé consécutifs puis-je prendre au maximum ?"
    assert unnamed_by_entry(question, leave) == {"consecut", "maximum", "prendr"}
