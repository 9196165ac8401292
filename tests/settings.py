"""Test settings: every test run gets its own empty data folder, never ./data."""

import os
import tempfile

from relais.demo import town

os.environ["RELAIS_DATA_DIR"] = tempfile.mkdtemp(prefix="relais-test-")
# Tests ask many questions a minute as the same demo agent; the throttling tests turn the limits back on.
os.environ.setdefault("RELAIS_ASK_RATE_PER_USER", "0")
os.environ.setdefault("RELAIS_ASK_RATE_PER_IP", "0")
# The tests run as the demo's fictional commune: its name, logo, notice, contacts and sender (relais.demo.town),
# as `make run` shows them; tests of the neutral product defaults build a Config without them.
for name, value in town.environment().items():
    os.environ.setdefault(name, value)

from relais.settings import *  # noqa: E402, F403

# Outbox deliveries run at commit time in tests (no worker process); the tests drive retries themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Django's test client signs in without a request, which django-axes refuses; the lockout test turns it on.
AXES_ENABLED = False
