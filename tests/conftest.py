"""Shared fixtures: the demo knowledge and demo accounts of the fictional commune."""

from pathlib import Path

import pytest
from django.core.management import call_command

DEMO = Path(__file__).resolve().parents[1] / "demo"


@pytest.fixture(scope="module")
def demo_knowledge(django_db_setup, django_db_blocker):
    """The demo documents, FAQ, users and charter, loaded once per test module (embeddings cached between modules).

    The demo users have accepted the charter, so tests start at the chat; tests/accounts checks the acceptance itself.
    """
    from django.contrib.auth import get_user_model

    from relais.accounts.charter import accept, current_charter

    with django_db_blocker.unblock():
        call_command("demo", folder=DEMO, verbosity=0)
        for user in get_user_model().objects.all():
            accept(user, current_charter())
        yield
        # Loaded outside the tests' transactions: leave an empty database to the next module.
        call_command("flush", interactive=False, verbosity=0)
