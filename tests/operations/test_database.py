"""Which database: RELAIS_DATABASE_URL (or DATABASE_URL), secrets read from files, PostgreSQL migrated explicitly."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from relais.accounts.auth_config import ldap_settings
from relais.config import Config, ConfigError
from relais.operations.database import database_settings
from tests.embedding_cache import seed_from_the_session
from tests.postgres import throwaway_postgres

DEMO = Path(__file__).resolve().parents[2] / "demo"


def test_sqlite_in_the_data_folder_when_no_url_is_set(tmp_path):
    database = database_settings(Config.from_env({}), tmp_path)
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == tmp_path / "relais.sqlite3"


def test_a_postgresql_url_gives_django_its_parts(tmp_path):
    config = Config.from_env({"RELAIS_DATABASE_URL": "postgresql://relais:s3cret@db.ville.local:5433/relais"})
    database = database_settings(config, tmp_path)
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("relais", "relais", "s3cret")
    assert (database["HOST"], database["PORT"]) == ("db.ville.local", 5433)
    assert "lock_timeout" in database["OPTIONS"]["options"]


def test_database_url_is_read_when_the_relais_variable_is_unset():
    assert Config.from_env({"DATABASE_URL": "postgresql://a@h/b"}).database_url == "postgresql://a@h/b"
    both = {"DATABASE_URL": "postgresql://a@h/b", "RELAIS_DATABASE_URL": "postgresql://c@h/d"}
    assert Config.from_env(both).database_url == "postgresql://c@h/d"


def test_another_database_engine_is_refused_without_showing_the_password():
    with pytest.raises(ConfigError, match="expected postgresql://") as error:
        Config.from_env({"RELAIS_DATABASE_URL": "mysql://relais:s3cret@db/relais"})
    assert "s3cret" not in str(error.value)


def test_a_secret_is_read_from_the_file_a_FILE_variable_names(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("  k" * 20 + "\n", encoding="utf-8")
    url = tmp_path / "database_url"
    url.write_text("postgresql://relais:s3cret@db/relais\n", encoding="utf-8")
    config = Config.from_env({"RELAIS_SECRET_KEY_FILE": str(secret), "RELAIS_DATABASE_URL_FILE": str(url)})
    assert config.secret_key == ("  k" * 20).strip()
    assert config.database_url == "postgresql://relais:s3cret@db/relais"


def test_a_FILE_variable_beside_its_plain_variable_or_naming_no_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="both set"):
        Config.from_env({"RELAIS_SECRET_KEY": "x", "RELAIS_SECRET_KEY_FILE": str(tmp_path / "k")})
    with pytest.raises(ConfigError, match=r"RELAIS_SECRET_KEY_FILE=.*cannot read it"):
        Config.from_env({"RELAIS_SECRET_KEY_FILE": str(tmp_path / "absent")})


def test_a_bad_value_read_from_a_file_is_reported_without_the_value(tmp_path):
    value = tmp_path / "port"
    value.write_text("s3cret", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"RELAIS_SMTP_PORT=\(read from a file\)") as error:
        Config.from_env({"RELAIS_SMTP_PORT_FILE": str(value)})
    assert "s3cret" not in str(error.value)


def test_ldap_without_its_extra_names_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "django_auth_ldap", None)
    monkeypatch.setitem(sys.modules, "django_auth_ldap.config", None)
    config = Config.from_env({"RELAIS_LDAP_URL": "ldap://annuaire", "RELAIS_LDAP_USER_SEARCH_BASE": "dc=ville"})
    with pytest.raises(ConfigError, match=r"pip install 'relais\[ldap\]'"):
        ldap_settings(config)


def relais(*args: str, url: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "RELAIS_DATA_DIR": str(data_dir), "RELAIS_DATABASE_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "relais.cli", *args], env=env, capture_output=True, text=True)


@pytest.mark.postgres
@pytest.mark.slow
def test_on_postgresql_migrate_is_explicit_then_the_demo_answers(tmp_path):
    """The issue's check: `DATABASE_URL=postgresql://… relais migrate && relais demo && relais ask --json "…"`."""
    seed_from_the_session(tmp_path)
    with throwaway_postgres() as url:
        refused = relais("ask", "--json", "Comment poser un jour de RTT ?", url=url, data_dir=tmp_path)
        assert refused.returncode == 2
        assert "run `relais migrate` first" in refused.stderr
        assert not (tmp_path / "relais.sqlite3").exists()

        assert relais("migrate", "--verbosity", "0", url=url, data_dir=tmp_path).returncode == 0
        loaded = relais("demo", url=url, data_dir=tmp_path)
        assert loaded.returncode == 0, loaded.stderr
        asked = relais("ask", "--json", "Comment poser un jour de RTT ?", url=url, data_dir=tmp_path)
        assert asked.returncode == 0, asked.stderr
        answer = json.loads(asked.stdout)
        assert answer["citations"] and "RTT" in answer["answer"]
        # Everything went to PostgreSQL: the data folder holds no SQLite database.
        assert not (tmp_path / "relais.sqlite3").exists()
