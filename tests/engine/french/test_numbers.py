"""The one parser of numbers written in French words, shared by the value parser and the groundedness check."""

import pytest

from relais.engine.french.numbers import number_from_words
from relais.engine.french.values import parse_duration


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("trois", 3),
        ("dix-sept", 17),
        ("dix huit", 18),
        ("vingt et un", 21),
        ("soixante-dix", 70),
        ("quatre-vingt-dix", 90),
        ("deux cent cinquante", 250),
        ("mille six cent sept", 1607),
        ("Zéro", 0),
    ],
)
def test_numbers_in_words(words, value):
    assert number_from_words(words) == value


def test_a_word_that_is_no_number_is_refused():
    with pytest.raises(KeyError):
        number_from_words("plusieurs")


def test_the_value_parser_reads_numbers_in_words_with_it():
    assert parse_duration("deux heures") == parse_duration("2 heures")
