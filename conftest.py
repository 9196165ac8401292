"""Test-wide set-up: every test run gets its own empty data folder."""

import os
import tempfile

# Set before pytest-django imports relais.settings, which reads it.
os.environ["RELAIS_DATA_DIR"] = tempfile.mkdtemp(prefix="relais-test-")
