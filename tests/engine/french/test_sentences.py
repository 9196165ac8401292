"""The one sentence splitter: passages for the extractive composer, answer lines for the groundedness check."""

from relais.engine.french.sentences import sentences, split_line


def test_sentences_end_at_a_period_before_a_capital_and_at_every_line_break():
    text = "La demande part dix jours avant. Elle est validée par le responsable.\n- en France\n- à l'étranger"
    assert sentences(text) == [
        "La demande part dix jours avant.",
        "Elle est validée par le responsable.",
        "- en France",
        "- à l'étranger",
    ]


def test_abbreviations_initials_and_inline_numbering_end_no_sentence():
    assert sentences("Voir M. Durand, cf. Art. 4 du règlement. Puis signer.") == [
        "Voir M. Durand, cf. Art. 4 du règlement.",
        "Puis signer.",
    ]
    assert sentences("Signé par J. Martin le 3 mars.") == ["Signé par J. Martin le 3 mars."]
    assert sentences("Étapes : 1. Ouvrir le portail. 2. Valider.") == ["Étapes : 1. Ouvrir le portail.", "2. Valider."]


def test_citation_markers_stay_with_the_sentence_they_close():
    assert split_line("Dix jours avant. [1] Un mois pour l'étranger [2].") == [
        "Dix jours avant. [1]",
        "Un mois pour l'étranger [2].",
    ]


def test_an_abbreviation_after_an_elision_ends_no_sentence():
    assert sentences("Voir l'art. 12 du règlement. Puis signer.") == ["Voir l'art. 12 du règlement.", "Puis signer."]
