import pytest

from tests.helpdesk.smtp_peer import SmtpPeer


@pytest.fixture(autouse=True)
def commit_callbacks_run_at_once(monkeypatch):
    """Each test runs in a transaction that never commits: run on-commit work immediately, as a commit would."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda func, using=None, robust=False: func())


@pytest.fixture()
def smtp():
    """A real SMTP server (aiosmtpd) on a free port, for the e-mail connector and the notifications."""
    peer = SmtpPeer()
    peer.start()
    yield peer
    peer.stop()
