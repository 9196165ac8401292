"""Which database: SQLite in the data folder (one machine, nothing to set up) or PostgreSQL (RELAIS_DATABASE_URL).

Imported by the settings, before Django is set up: it must import nothing from Django's models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from relais.config import Config, ConfigError


def database_settings(config: Config, data_dir: Path) -> dict[str, Any]:
    if config.uses_postgresql:
        return _postgresql(config.database_url)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": data_dir / config.database_path.name,
        # WAL lets the web server read while an ingestion writes.
        # IMMEDIATE: a transaction takes the write lock when it starts, so two concurrent writers wait for each
        # other (timeout) instead of failing with « database is locked » half-way (a double click on « Confirmer »).
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
        },
    }


def _postgresql(url: str) -> dict[str, Any]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise ConfigError(
            "RELAIS_DATABASE_URL names PostgreSQL but psycopg is not installed: pip install 'relais[postgres]'"
        ) from None
    import dj_database_url

    settings = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    # A statement that waits this long for a lock fails with an error the logs show, rather than hanging a worker.
    settings.setdefault("OPTIONS", {}).setdefault("options", "-c lock_timeout=20000")
    return settings
