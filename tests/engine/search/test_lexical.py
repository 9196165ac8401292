import numpy as np

from relais.engine.french.analysis import analyze
from relais.engine.search.lexical import LexicalIndex


def build(*texts: str) -> LexicalIndex:
    index = LexicalIndex()
    index.rebuild([analyze(t) for t in texts])
    return index


def test_scores_every_passage_in_row_order():
    index = build("Demande de congés annuels", "Connexion au VPN", "")
    scores = index.scores("conges")  # no accent, plural folded by the stemmer
    assert scores.shape == (3,) and scores[0] > 0 and scores[1] == scores[2] == 0


def test_rarer_terms_weigh_more():
    index = build("congés et télétravail", "congés annuels", "congés maladie", "formation")
    scores = index.scores("congés télétravail")
    assert int(np.argmax(scores)) == 0


def test_unknown_or_stopword_queries_score_zero_and_empty_index_is_safe():
    index = build("Demande de congés annuels")
    assert index.scores("zzz").tolist() == [0.0]
    assert index.scores("de la").tolist() == [0.0]
    assert LexicalIndex().scores("congés").size == 0


def test_knows_analysed_terms():
    index = build("Demande de congés annuels")
    assert index.knows("cong") and not index.knows("zzz") and not LexicalIndex().knows("cong")


def test_idf_says_how_rare_a_term_is_among_the_passages():
    index = build("congés et télétravail", "congés annuels", "congés maladie", "congés, congés, congés")
    [conges] = analyze("congés")
    [teletravail] = analyze("télétravail")
    assert index.idf(conges) < index.idf(teletravail) < index.idf("syndicat")  # unknown: the rarest
    assert index.idf(conges) == np.log(5 / 4.5)  # in all 4 passages, however often in one
