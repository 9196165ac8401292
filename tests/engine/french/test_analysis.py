from relais.engine.french.analysis import (
    STOPWORDS,
    QueryRewriter,
    acronym_long_form,
    analyze,
    estimate_tokens,
    fold_accents,
    mine_acronyms,
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


def test_acronym_long_form_follows_the_letters_back_to_a_word_start():
    assert acronym_long_form("CPF", "utiliser son compte personnel de formation") == "compte personnel de formation"
    assert acronym_long_form("CDD", "ou contrat à durée déterminée") == "contrat à durée déterminée"
    assert acronym_long_form("FPE", "dans la Fonction publique d'État") == "Fonction publique d'État"
    # The first word may not be a stopword: « aux » would fit the letters too.
    assert acronym_long_form("AAH", "de l'allocation aux adultes handicapés") == "allocation aux adultes handicapés"
    assert acronym_long_form("XYZ", "rien à voir") is None


DEFINITIONS = [
    "Vous pouvez utiliser votre compte personnel de formation (CPF) pour un bilan.",
    "Les droits acquis sur le compte personnel de formation (CPF) sont conservés. Le CPF se consulte en ligne.",
    "Le comptes personnels de formation (CPF) des salariés.",
    "Le prélèvement à la source (PAS) s'applique. Le prélèvement à la source (PAS) est mensuel.",
    "Le ciel est bleu, le ciel est gris, le ciel est clair.",
    "Les Carrières internationales en ligne (CIEL) et les Carrières internationales en ligne (CIEL).",
    "Un seul usage : la semaine de quatre jours (SQJ).",
]


def test_mine_acronyms_keeps_the_most_frequent_long_form_seen_twice():
    table = mine_acronyms(DEFINITIONS)
    assert table["cpf"] == "compte personnel de formation"  # the plural counts with the singular
    assert table["pas"] == "prélèvement à la source"
    assert "sqj" not in table  # defined once only


def test_rewriter_expands_acronyms_the_corpus_writes_in_capitals():
    rewriter = QueryRewriter(DEFINITIONS)
    rewritten = rewriter.rewrite("cpf et démission")
    assert rewritten.lexical == "cpf et démission compte personnel de formation"
    assert rewritten.dense == "cpf et démission (compte personnel de formation)"
    # « ciel » is mostly a word here, and « pas » a stopword: both only expanded when typed in capitals.
    assert rewriter.expansions("le ciel bleu") == []
    assert rewriter.expansions("il ne paie pas") == []
    assert rewriter.expansions("le PAS et le CIEL") == ["prélèvement à la source", "Carrières internationales en ligne"]
    # Already written out: nothing to add.
    assert rewriter.expansions("compte personnel de formation CPF") == []


def test_rewriter_restores_accents_the_corpus_always_writes():
    rewriter = QueryRewriter(["Le congé de maternité. Les congés payés.", "Le congé maternité dure seize semaines."])
    assert rewriter.rewrite("Conge maternite").lexical == "Congé maternité"
    assert analyze(rewriter.rewrite("conges payes").lexical) == analyze("congés payés")
    # A word the corpus also writes bare, and acronyms, stay as typed.
    assert QueryRewriter(["une cote, une côte, une cote"]).correct_word("cote") == "cote"
    assert rewriter.correct_word("CONGE") == "CONGE"


def test_rewriter_fixes_one_edit_typos_of_unknown_words_only():
    corpus = ["La clause de non-concurrence. La concurrence loyale. Une concurrence déloyale.", "Le harcèlement moral."]
    known = set(analyze(" ".join(corpus))).__contains__
    rewriter = QueryRewriter(corpus, known_term=known)
    assert rewriter.rewrite("clause de non concurence").lexical == "clause de non concurrence"
    assert rewriter.correct_word("harcelment") == "harcelment"  # « harcèlement » is seen once only: not trusted
    # A word whose term the index knows is never « corrected », even if a frequent word is one edit away.
    assert QueryRewriter(corpus, known_term=lambda term: True).correct_word("concurence") == "concurence"
    assert rewriter.correct_word("moral") == "moral"  # known as it is


def test_cet_before_a_consonant_or_alone_is_the_acronym_not_the_demonstrative():
    corpus = ["Le compte épargne-temps (CET) se demande en décembre.", "Le compte épargne-temps (CET)."]
    rewriter = QueryRewriter(corpus)
    assert rewriter.expansions("cet plafond ?") == ["compte épargne-temps"]
    assert rewriter.expansions("combien de jours sur mon cet") == ["compte épargne-temps"]
    assert rewriter.expansions("cet agent part en retraite") == []  # « cet agent »: the demonstrative
    assert rewriter.expansions("cet été") == []
