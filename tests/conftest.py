"""Shared fixtures: the demo knowledge and demo accounts of the fictional commune."""

from pathlib import Path

import pytest
from django.core.management import call_command

DEMO = Path(__file__).resolve().parents[1] / "demo"


@pytest.fixture(scope="module")
def demo_knowledge(django_db_setup, django_db_blocker):
    """The demo documents, FAQ and users, loaded once per test module (embeddings are cached between modules)."""
    from relais.accounts.demo_users import load_users
    from relais.knowledge.models import Collection

    with django_db_blocker.unblock():
        call_command("demo", folder=DEMO, verbosity=0)
        load_users(DEMO / "users.yaml")
        yield
        Collection.objects.all().delete()
        from django.contrib.auth import get_user_model

        get_user_model().objects.all().delete()
