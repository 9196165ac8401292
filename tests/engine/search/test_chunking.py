from relais.engine.french.analysis import estimate_tokens
from relais.engine.readers.structure import Section
from relais.engine.search.chunking import MAX_TOKENS, chunk_sections, embedding_text

SENTENCE = "L'agent transmet sa demande de congés à son responsable au moins quinze jours avant le départ. "


def paragraph(sentences: int) -> str:
    return SENTENCE * sentences


def test_short_sections_stay_whole_and_keep_their_path():
    sections = [
        Section(("Congés annuels",), paragraph(10)),  # ~200 tokens: stands alone
        Section(("Congés annuels", "Report"), paragraph(10)),
    ]
    chunks = chunk_sections(sections)
    assert [c.heading_path for c in chunks] == [("Congés annuels",), ("Congés annuels", "Report")]
    assert [c.position for c in chunks] == [0, 1]


def test_long_section_is_cut_between_paragraphs_within_bounds():
    text = "\n\n".join(paragraph(4) for _ in range(20))  # 20 paragraphs of ~80 tokens
    chunks = chunk_sections([Section(("Télétravail",), text)])
    assert len(chunks) > 3
    assert all(c.heading_path == ("Télétravail",) for c in chunks)
    assert all(estimate_tokens(c.text) <= MAX_TOKENS for c in chunks)
    assert all(estimate_tokens(c.text) >= 200 for c in chunks[:-1])
    # Paragraphs are never cut: every passage is made of whole paragraphs.
    assert all(p == paragraph(4).strip() for c in chunks for p in c.text.split("\n\n"))


def test_over_long_paragraph_is_cut_at_sentences():
    chunks = chunk_sections([Section((), paragraph(60))])
    assert len(chunks) >= 3
    assert all(estimate_tokens(c.text) <= MAX_TOKENS for c in chunks)
    assert all(c.text.endswith("départ.") for c in chunks)


def test_small_sections_merge_with_common_path_and_visible_subheading():
    sections = [
        Section(("CET", "Ouverture"), "Le CET s'ouvre sur demande écrite."),
        Section(("CET", "Alimentation"), "Il est alimenté par des jours de congés non pris."),
    ]
    [chunk] = chunk_sections(sections)
    assert chunk.heading_path == ("CET",)
    assert chunk.text.split("\n\n") == [
        "Ouverture",
        "Le CET s'ouvre sur demande écrite.",
        "Alimentation",
        "Il est alimenté par des jours de congés non pris.",
    ]


def test_empty_sections_give_no_passage():
    assert chunk_sections([Section(("Vide",), "  \n\n ")]) == []


def test_embedding_text_puts_context_first():
    assert embedding_text("Guide RH", ("Congés", "Report"), "Texte") == "Guide RH > Congés > Report\nTexte"
    assert embedding_text("", (), "Texte") == "Texte"


def test_a_table_cut_in_two_repeats_its_header_row_in_the_next_passage():
    header = "Lieu de la mission | Plafond par nuitée"
    rows = [f"Commune numéro {n} du département, hors agglomération | {50 + n} €" for n in range(60)]
    chunks = chunk_sections([Section(("Barème",), "\n\n".join(["Les plafonds :", header, *rows, "Fin."]))])
    assert len(chunks) >= 3
    assert chunks[0].text.split("\n\n")[:2] == ["Les plafonds :", header]
    assert all(chunk.text.split("\n\n")[0] == header for chunk in chunks[1:])
    # Every row is packed once, the header aside, and within the bounds.
    packed = [p for chunk in chunks for p in chunk.text.split("\n\n") if p != header]
    assert packed == ["Les plafonds :", *rows, "Fin."]
    assert all(estimate_tokens(c.text) <= MAX_TOKENS for c in chunks)


def test_a_passage_cut_after_a_table_repeats_nothing():
    table = "Jour | Horaires\n\nLundi | 9 h – 12 h"
    text = "\n\n".join([table, *(paragraph(4) for _ in range(8))])
    chunks = chunk_sections([Section(("Accueil",), text)])
    assert len(chunks) >= 2 and all("Jour | Horaires" not in chunk.text for chunk in chunks[1:])
