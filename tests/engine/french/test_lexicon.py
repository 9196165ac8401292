from relais.engine.french.analysis import QueryRewriter
from relais.engine.french.lexicon import FrenchLexicon, french_lexicon


def test_the_shipped_word_list_knows_french_words_not_typing_shortcuts():
    lexicon = french_lexicon()
    assert len(lexicon) > 100_000
    for word in ("syndicat", "orage", "Mariage", "bébé", "bebe", "écrans", "ecrans", "vélo"):
        assert lexicon.is_word(word), word
    for token in ("jai", "kan", "koi", "davoir", "lenveloppe", "soccuper", "chui"):
        assert not lexicon.is_word(token), token


def test_comparison_ignores_case_and_accents():
    lexicon = FrenchLexicon(["congé"])
    assert lexicon.is_word("CONGE") and lexicon.is_word("conge") and not lexicon.is_word("conges")


def test_a_real_word_is_not_corrected_into_a_corpus_word_one_edit_away():
    corpus = ["La rage est une maladie.", "Vaccin contre la rage.", "La rage du chien."]
    assert QueryRewriter(corpus).correct_word("orage") == "rage"  # what the rewriter did without a word list
    guarded = QueryRewriter(corpus, is_word=french_lexicon().is_word)
    assert guarded.correct_word("orage") == "orage"
    assert guarded.correct_word("rgae") == "rgae"  # too short for a typo fix either way
    typo_corpus = ["La clause de non-concurrence.", "Une concurrence loyale.", "La concurrence."]
    assert QueryRewriter(typo_corpus, is_word=french_lexicon().is_word).correct_word("concurence") == "concurrence"
