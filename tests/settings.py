"""Test settings: every test run gets its own empty data folder, never ./data."""

import dataclasses
import os
import tempfile

from django.conf import global_settings

from relais.demo import town

os.environ["RELAIS_DATA_DIR"] = tempfile.mkdtemp(prefix="relais-test-")
# The PostgreSQL lane (`python -m tests.postgres -- pytest -m postgres`) sets RELAIS_DATABASE_URL: the tests'
# own database goes there, but the `relais` subprocesses some tests start keep their fresh SQLite data folder,
# so the variable is taken out of the environment they inherit.
POSTGRES_URL = os.environ.pop("RELAIS_DATABASE_URL", "") or os.environ.pop("DATABASE_URL", "")
# Tests ask many questions a minute as the same demo agent; the throttling tests turn the limits back on.
os.environ.setdefault("RELAIS_ASK_RATE_PER_USER", "0")
os.environ.setdefault("RELAIS_ASK_RATE_PER_IP", "0")
# The tests run as the demo's fictional commune: its name, logo, notice, contacts and sender (relais.demo.town),
# as `make run` shows them; tests of the neutral product defaults build a Config without them.
for name, value in town.environment().items():
    os.environ.setdefault(name, value)

from relais.settings import *  # noqa: E402, F403

if POSTGRES_URL:
    RELAIS = dataclasses.replace(RELAIS, database_url=POSTGRES_URL)  # noqa: F405
    DATABASES = {"default": database_settings(RELAIS, DATA_DIR)}  # noqa: F405

# Outbox deliveries run at commit time in tests (no worker process); the tests drive retries themselves.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Production hashes passwords with PBKDF2, slow on purpose (0.27 s each on two cores); the tests create and sign in
# hundreds of accounts, so they use Django's fast hasher (its documented advice for tests). Hashes already written
# with the production hasher still verify. The `relais` subprocesses and the browser tests keep the real one.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *global_settings.PASSWORD_HASHERS]

# Django's test client signs in without a request, which django-axes refuses; the lockout test turns it on.
AXES_ENABLED = False

# Templates render `{% static %}` without a collectstatic run: the manifest storage of production would raise
# « Missing staticfiles manifest entry ». Plain names here; tests/operations/test_deploy.py collects with the
# production storage, and the browser tests run `relais serve`, which collects.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405  WhiteNoise warns at start about a missing folder
