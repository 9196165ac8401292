"""Download names of a request's document: readable French, apostrophes kept as word breaks (issue 19, item 10)."""

from types import SimpleNamespace

import pytest

from relais.procedures import documents


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Demande d'ordre de mission", "demande-d-ordre-de-mission"),
        ("Demande d’ordre de mission", "demande-d-ordre-de-mission"),  # the typographic apostrophe
        ("Première connexion à l'intranet", "premiere-connexion-a-l-intranet"),
        ("Badge  d'accès — remplacement", "badge-d-acces-remplacement"),
    ],
)
def test_apostrophes_become_word_breaks(title, slug):
    assert documents.french_slug(title) == slug


def test_the_document_of_a_run_is_named_after_its_title_and_reference():
    definition = SimpleNamespace(document_title="Demande d'ordre de mission")
    run = SimpleNamespace(spec=lambda: definition, reference="OM-00042")
    assert documents.filename(run, "pdf") == "demande-d-ordre-de-mission-OM-00042.pdf"
