import pytest


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_once(monkeypatch):
    """Each test runs in a transaction that never commits: run on-commit work immediately, as a commit would."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())
