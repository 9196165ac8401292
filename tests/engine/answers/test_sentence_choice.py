import json
from dataclasses import replace

import numpy as np
import pytest

from relais.engine.answers.decision import SHIPPED_MODEL
from relais.engine.answers.extractive import Evidence, compose_extractive
from relais.engine.answers.sentence_choice import (
    LEXICAL_FEATURES,
    READER_FEATURES,
    SENTENCE_MODEL_FILE,
    SHIPPED_SENTENCE_MODEL,
    SentenceCandidate,
    SentenceVectors,
    candidates,
    lexical_features,
    load_sentence_model,
    quotable_sentences,
    read_document,
    readable_row,
    titled,
    with_list_items,
)

PAY = (
    "La paie des agents de la commune est versée chaque mois par virement.\n\n"
    "Le virement arrive en général autour du 25 du mois.\n\n"
    "En décembre, la paie est souvent versée un peu plus tôt.\n\n"
    "Pour toute question sur la paie, contactez le service paie."
)


def passage(text=PAY, passage_id=1, fused=1.0, title="La paie", section=("Versement",)):
    return Evidence(passage_id, 1, title, section, text, 0.85, fused)


def test_the_shipped_model_loads_with_its_provenance():
    model = load_sentence_model()
    assert model == SHIPPED_SENTENCE_MODEL
    assert len(model.lexical) == len(LEXICAL_FEATURES) and len(model.reader) == len(READER_FEATURES)
    assert model.shortlist >= 3
    assert model.provenance["fitted_by"] == "bench/sentence_choice.py --fit"
    assert set(model.provenance["leave_one_corpus_out"]) >= {"demo", "faq-cnil", "fonction-publique"}
    # What a sentence's closeness to the question means: the closer, the more likely it answers.
    assert dict(zip(READER_FEATURES, model.reader, strict=True))["closeness"] > 0


def test_a_model_file_with_other_signals_is_refused_with_what_to_do(tmp_path):
    data = json.loads(SENTENCE_MODEL_FILE.read_text(encoding="utf-8"))
    del data["reader"]["closeness"]
    bad = tmp_path / "sentence-model.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"refit it with bench/sentence_choice\.py --fit"):
        load_sentence_model(bad)
    # A file of this format without the number of sentences added for their meaning.
    data = json.loads(SENTENCE_MODEL_FILE.read_text(encoding="utf-8"))
    del data["closest"]
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"refit it with bench/sentence_choice\.py --fit"):
        load_sentence_model(bad)


def test_candidates_are_the_quotable_sentences_of_the_first_three_passages():
    text = "Les jours de RTT > Acquisition\n\nLes RTT sont crédités au 1er janvier.\n\n- un jour par mois ;"
    assert quotable_sentences(text) == ["Les RTT sont crédités au 1er janvier.", "- un jour par mois ;"]
    found = candidates([passage(), passage(text, 2), passage("Troisième.", 3), passage("Quatrième.", 4)])
    assert [c.passage_rank for c in found] == [0] * 4 + [1, 1, 2]
    assert [c.position for c in found[4:]] == [0, 1, 0]


def test_lexical_signals_read_the_question_and_the_sentence_together():
    found = candidates([passage()])
    rows = lexical_features("La paie tombe quel jour du mois ?", [passage()], found)
    by_name = [dict(zip(LEXICAL_FEATURES, row, strict=True)) for row in rows]
    assert rows.shape == (4, len(LEXICAL_FEATURES))
    assert by_name[1]["asks_when_has_time"] == 1.0 and by_name[1]["has_number"] == 1.0  # « autour du 25 »
    assert by_name[0]["has_number"] == 0.0
    # A number the question already holds answers nothing.
    rows = lexical_features("Combien de RTT pour 37 h ?", [passage("Les agents à 37 h ont des RTT.")], found[:1])
    assert dict(zip(LEXICAL_FEATURES, rows[0], strict=True))["has_number"] == 0.0


def test_the_sentence_stating_the_value_asked_is_quoted_first_then_the_one_after_it():
    question = "Quand la paie arrive-t-elle sur le compte ?"
    chosen = read_document(question, [passage()], limit=1).sentences
    assert [c.text for c in chosen] == [
        "Le virement arrive en général autour du 25 du mois.",
        "En décembre, la paie est souvent versée un peu plus tôt.",
    ]


def test_only_the_best_sentence_brings_the_next_one_and_only_from_its_own_passage():
    texts = [(0, "La paie est versée par virement."), (0, "Il arrive autour du 25."), (0, "Le bulletin suit."),
             (1, "Les primes sont versées en juin."), (1, "Et en décembre.")]  # fmt: skip
    found = [SentenceCandidate(rank, position, text) for position, (rank, text) in enumerate(texts)]
    # The best (0) brings the next sentence of its passage (1); the second quoted (3) brings nothing.
    assert with_list_items([0, 3, 2], found, limit=2) == [0, 1, 3]
    # The last sentence of its passage brings nothing from the next passage.
    assert with_list_items([2, 0], found, limit=1) == [2]
    # The next sentence already quoted is quoted once.
    assert with_list_items([0, 1, 4], found, limit=3) == [0, 1, 4]


def test_a_list_quoted_from_its_first_item_is_quoted_whole_when_its_heading_introduces_it():
    # « Se connecter » is the section's heading: the passage opens on the steps, no sentence introduces them.
    texts = [(0, "Le VPN est installé sur les portables."), (1, "- Connectez l’ordinateur à internet."),
             (1, "- Cliquez sur l’icône Passerelle, puis « Se connecter »."), (1, "- L’icône devient verte."),
             (1, "Vos lecteurs se reconnectent en une minute.")]  # fmt: skip
    found = [SentenceCandidate(rank, position, text) for position, (rank, text) in enumerate(texts)]
    assert with_list_items([1], found, limit=1) == [1, 2, 3]
    # An item in the middle of a list is quoted alone (the best sentence brings the next one, as any sentence).
    assert with_list_items([2, 0], found, limit=2) == [2, 3, 0]


def unit(vector):
    vector = np.asarray(vector, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_the_reader_puts_the_sentence_closest_in_meaning_first_among_the_shortlist():
    question = "Et pour les fêtes de fin d'année, ça change ?"
    words_only = read_document(question, [passage()], limit=1).sentences
    # The sentence that words alone put last, made the closest in meaning.
    target = [c for c in candidates([passage()]) if c != words_only[0]][-1]

    def embed(batch):
        close = titled(passage(), target.text)
        return np.vstack([unit([1.0, 0.1]) if text == close else unit([0.1, 1.0]) for text in batch])

    toward = unit([1.0, 0.0])
    read = read_document(question, [passage()], query_vector=toward, embed=embed, limit=1).sentences
    assert read == [target]
    # The reader only reads what the shortlist kept: with a shortlist of one and no sentence added for its meaning,
    # words alone decide.
    narrow = replace(SHIPPED_SENTENCE_MODEL, shortlist=1, closest=0)
    kept = read_document(question, [passage()], query_vector=toward, embed=embed, model=narrow, limit=1).sentences
    assert kept == words_only
    # The closest sentence in meaning is read whatever its words (« préinscrire », « pré-inscription »).
    by_meaning = replace(narrow, closest=1)
    read = read_document(question, [passage()], query_vector=toward, embed=embed, model=by_meaning, limit=1)
    assert read.sentences == [target]


def test_every_candidate_is_compared_with_the_question_and_the_closest_one_gives_the_closeness():
    compared = []

    def embed(batch):
        compared.extend(batch)
        return np.vstack([unit([1.0, 0.2]) if "25" in text else unit([0.3, 1.0]) for text in batch])

    narrow = replace(SHIPPED_SENTENCE_MODEL, shortlist=1, closest=1)
    reading = read_document("Un mot ?", [passage()], query_vector=unit([1.0, 0.0]), embed=embed, model=narrow)
    assert compared == [titled(passage(), c.text) for c in candidates([passage()])]
    assert reading.closeness == pytest.approx(float(unit([1.0, 0.2])[0]))
    assert reading.sentences[0].text == "Le virement arrive en général autour du 25 du mois."


def test_a_list_introduction_brings_its_first_item():
    text = "Pour poser un jour de RTT, la demande se fait dans Chronos :\n- au moins 2 jours ouvrés avant ;"
    chosen = read_document("Comment poser un jour de RTT dans Chronos ?", [passage(text)], limit=1).sentences
    assert [c.text for c in chosen] == [
        "Pour poser un jour de RTT, la demande se fait dans Chronos :",
        "- au moins 2 jours ouvrés avant ;",
    ]


def test_sentence_vectors_embed_each_text_once_and_forget_the_least_recent():
    calls = []

    def embed(texts):
        calls.append(list(texts))
        return np.vstack([unit([len(t), 1.0]) for t in texts])

    vectors = SentenceVectors(embed, capacity=2)
    first = vectors(["a", "bb", "a"])
    assert calls == [["a", "bb"]] and np.array_equal(first[0], first[2])
    vectors(["bb"])
    assert calls == [["a", "bb"]]  # remembered
    vectors(["ccc"])  # « a », the least recently used, is forgotten
    vectors(["a"])
    assert calls[-1] == ["a"] and len(calls) == 3


def test_a_table_row_reads_label_then_value():
    two = "Les prestations :\n\nÉvénement | Prestation du COS\n\nMariage ou PACS | 100 €\n\nNaissance | 150 €"
    assert readable_row(two, "Naissance | 150 €") == "Naissance : 150 €"
    three = "Jour | Été | Hiver\n\nMercredi | 9 h – 12 h | 9 h – 11 h\n\nElle est fermée le mardi."
    wednesday = "Mercredi — Été : 9 h – 12 h ; Hiver : 9 h – 11 h"
    assert readable_row(three, "Mercredi | 9 h – 12 h | 9 h – 11 h") == wednesday
    # The header row, and what is no row, stay as they are.
    assert readable_row(three, "Jour | Été | Hiver") == "Jour | Été | Hiver"
    assert readable_row(three, "Elle est fermée le mardi.") == "Elle est fermée le mardi."


def test_an_extract_quoting_a_table_row_names_its_columns():
    rows = ("Jour | Été | Hiver", "Mercredi | 9 h – 12 h | 9 h – 11 h", "Vendredi | 14 h – 18 h | 14 h – 17 h")
    text = "\n\n".join(["Horaires.", *rows])
    confident = replace(SHIPPED_MODEL, intercept=1000.0)  # what is quoted, whatever the decision
    answer = compose_extractive("horaires du mercredi en été ?", [passage(text, title="Déchetterie")], confident)
    assert "Mercredi — Été : 9 h – 12 h ; Hiver : 9 h – 11 h" in answer.text and " | " not in answer.text


def test_a_table_header_row_is_never_quoted_alone():
    text = "Les plafonds :\n\nLieu de la mission | Plafond par nuitée\n\nCommune de Paris | 140 €\n\nAutres | 90 €"
    assert quotable_sentences(text) == ["Les plafonds :", "Commune de Paris | 140 €", "Autres | 90 €"]
    # A row alone, with no row under it, is no header: it is quoted.
    assert quotable_sentences("Voir ci-dessous.\n\nAstreinte de semaine | 159 €") == [
        "Voir ci-dessous.",
        "Astreinte de semaine | 159 €",
    ]


def test_a_quoted_row_keeps_its_own_line_and_never_runs_into_a_sentence():
    rows = ["Lieu de la mission | Plafond par nuitée", "Commune de Paris | 140 €"]
    text = "\n\n".join([*rows, "Le plafond comprend le petit-déjeuner."])
    confident = replace(SHIPPED_MODEL, intercept=1000.0)  # what is quoted, whatever the decision
    answer = compose_extractive("plafond nuitée Paris petit-déjeuner", [passage(text, title="Barème")], confident)
    quote = answer.citations[0].quote
    assert "Commune de Paris : 140 €" in quote and "Lieu de la mission" not in quote
    assert "140 € Le plafond" not in quote and "Le plafond comprend le petit-déjeuner." in quote
    assert all(line == line.strip() for line in quote.split("\n"))


def test_a_short_question_alone_on_its_line_is_a_heading_not_an_answer():
    text = "Quand faut-il se connecter au VPN ?\n\nConnectez-vous au VPN avant d'ouvrir les lecteurs partagés."
    assert quotable_sentences(text) == ["Connectez-vous au VPN avant d'ouvrir les lecteurs partagés."]
    # French spacing sets « : » and « ? » apart: they are no words (12 words here, 14 tokens).
    titled_question = "Séances du conseil municipal : faut-il déclarer à la CNIL leur enregistrement vidéo ?"
    assert quotable_sentences(f"{titled_question}\n\n{text}") == quotable_sentences(text)
    asked = "Vous partez en mission ? Demandez un ordre de mission dans le Portail Agent."
    # A question inside a paragraph is a sentence like the others.
    assert quotable_sentences(asked)[0] == "Vous partez en mission ?" and len(quotable_sentences(asked)) == 2


def test_a_sub_heading_of_several_words_written_into_a_passage_is_never_quoted():
    """A packed passage names its sections on lines of their own (the CNIL's FAQ: 8 words, no full stop)."""
    text = (
        'Le fichier des "nouveaux voisins" de la Poste\n\n'
        "Lorsque vous signalez un changement d'adresse à La Poste, celle-ci l'intègre à son fichier.\n\n"
        "Étape 5 : lire et signer la charte informatique\n\n"
        "La charte d’utilisation des ressources numériques vous est remise par le service RH le premier jour"
    )
    assert quotable_sentences(text) == [
        "Lorsque vous signalez un changement d'adresse à La Poste, celle-ci l'intègre à son fichier.",
        # 16 words: a sentence that lost its full stop
        "La charte d’utilisation des ressources numériques vous est remise par le service RH le premier jour",
    ]


def test_a_sentence_the_page_repeats_is_quoted_once():
    summary = "Le virement arrive en général autour du 25 du mois."
    repeated = passage(summary + "\n\n" + PAY, passage_id=2)
    chosen = read_document("Quand la paie arrive-t-elle sur le compte ?", [repeated, passage()], limit=3).sentences
    texts = [" ".join(c.text.split()) for c in chosen]
    assert len(texts) == 3 and len(set(texts)) == 3
    assert texts[0] == summary


def test_a_rule_written_again_for_another_branch_is_quoted_once_and_rows_that_differ_by_a_number_stay():
    """Service-public pages write one rule per branch of the fonction publique, a word apart."""
    state = "La demande de congé doit être présentée par courrier, au moins 2 mois avant sa date de début."
    territorial = state.replace("La demande de congé", "La demande de congé de l'agent")
    other = "Le renouvellement doit être demandé au moins 2 mois avant la fin de la période en cours."
    chosen = read_document(
        "Combien de temps avant faut-il demander un congé parental ?",
        [passage(state, 1, section=("État",)), passage(territorial + "\n\n" + other, 2, section=("Territoriale",))],
        limit=3,
    ).sentences
    texts = [c.text for c in chosen]
    assert len(texts) == 2 and other in texts and (state in texts) != (territorial in texts)
    rows = "Après 4 mois : 30 jours à plein traitement\n\nAprès 2 ans : 60 jours à plein traitement"
    kept = read_document("Combien de jours à plein traitement ?", [passage(rows)], limit=3).sentences
    assert len(kept) == 2


def test_a_sentence_opening_a_procedure_brings_its_steps():
    """GNOME's help: « Vous pouvez inverser… » then the steps, the answer in the third (« Bouton principal »)."""
    text = (
        "Vous pouvez inverser les boutons gauche et droit de la souris pour les gauchers.\n\n"
        "- Ouvrez la vue d’ensemble des Activités.\n"
        "- Cliquez sur Souris et pavé tactile.\n"
        "- À la rubrique Général, cliquez sur Droite pour basculer le Bouton principal.\n\n"
        "Beaucoup de souris disposent d’un bouton du milieu."
    )
    question = "Je suis gauchère, on peut inverser les boutons de la souris ?"
    chosen = [c.text for c in read_document(question, [passage(text)], limit=1).sentences]
    assert chosen[0].startswith("Vous pouvez inverser")
    assert chosen[1:] == [
        "- Ouvrez la vue d’ensemble des Activités.",
        "- Cliquez sur Souris et pavé tactile.",
        "- À la rubrique Général, cliquez sur Droite pour basculer le Bouton principal.",
    ]
