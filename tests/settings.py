"""Test settings: every test run gets its own empty data folder, never ./data."""

import os
import tempfile

os.environ["RELAIS_DATA_DIR"] = tempfile.mkdtemp(prefix="relais-test-")
# Tests ask many questions a minute as the same demo agent; the throttling tests turn the limits back on.
os.environ.setdefault("RELAIS_ASK_RATE_PER_USER", "0")
os.environ.setdefault("RELAIS_ASK_RATE_PER_IP", "0")

from relais.settings import *  # noqa: F403

# Outbox deliveries run at commit time in tests (no worker process); the tests drive retries themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Django's test client signs in without a request, which django-axes refuses; the lockout test turns it on.
AXES_ENABLED = False
