"""Test settings: every test run gets its own empty data folder, never ./data."""

import os
import tempfile

os.environ["RELAIS_DATA_DIR"] = tempfile.mkdtemp(prefix="relais-test-")

from relais.settings import *  # noqa: F403

# Outbox deliveries run at commit time in tests (no worker process); the tests drive retries themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
