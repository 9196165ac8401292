from relais.engine.text import (
    STOPWORDS,
    analyze,
    estimate_tokens,
    fold_accents,
    normalize_for_matching,
    words,
)


def test_fold_accents_and_ligatures():
    assert fold_accents("Congés à prévoir, œuvre, Æsope") == "Conges a prevoir, oeuvre, AEsope"
    assert normalize_for_matching("TÉLÉTRAVAIL") == "teletravail"


def test_elisions_are_removed_for_every_form():
    assert words("l'agent d'accueil j'ai qu'il n'est s'il c'est m'a t'as") == [
        "agent",
        "accueil",
        "ai",
        "il",
        "est",
        "il",
        "est",
        "a",
        "as",
    ]
    # Typographic apostrophe, as typed on phones and in Word documents.
    assert words("L’ordre de mission") == ["ordre", "de", "mission"]


def test_words_split_hyphens_and_keep_digits():
    assert words("arrêt-maladie du 3 mars 2026") == ["arrêt", "maladie", "du", "3", "mars", "2026"]


def test_analyze_drops_stopwords_stems_and_folds():
    assert analyze("Les congés annuels de l'agent") == ["cong", "annuel", "agent"]
    # Accented and unaccented spellings meet on the same term.
    assert analyze("télétravail") == analyze("teletravail")
    assert analyze("Formations") == analyze("formation")


def test_stopwords_are_accent_folded():
    assert "a" in STOPWORDS and "etaient" in STOPWORDS and "etre" not in STOPWORDS
    assert analyze("à été") == []


def test_estimate_tokens():
    assert estimate_tokens("") == 0
    assert estimate_tokens("x" * 440) == 100
