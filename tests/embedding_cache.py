"""A fresh data folder starts with the embeddings earlier tests computed, so that a `relais demo` in a subprocess
embeds only what nothing has embedded yet. The cache is keyed by (embedder, text): what it returns is what the
model would compute, so a test's outcome never depends on it, only its time."""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

CACHE_NAME = "embedding-cache.sqlite3"


def seed_from_the_session(data: Path) -> None:
    """Copy the tests' own data folder's embedding cache into ``data`` (created if needed), when there is one."""
    cache = Path(settings.DATA_DIR) / CACHE_NAME
    if cache.exists():
        data.mkdir(parents=True, exist_ok=True)
        shutil.copy(cache, data / CACHE_NAME)
