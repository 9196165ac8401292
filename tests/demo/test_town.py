"""The product's defaults name no town; the demo brings Val-de-Brume's settings, applied once `relais demo` ran."""

import os
import subprocess
import sys
from pathlib import Path

from relais.config import Config
from relais.demo import town

SRC = Path(__file__).resolve().parents[2] / "src" / "relais"


def test_the_product_defaults_are_neutral():
    config = Config()
    assert (config.town_name, config.town_logo, config.town_notice) == ("", None, "")
    assert config.smtp_from == "relais@localhost"
    assert "poste" not in config.default_contact and "poste" not in config.personal_contact


def test_only_the_demo_names_the_demo_town():
    named = []
    for path in SRC.rglob("*"):
        if not path.is_file() or path.suffix in {".pyc", ".sqlite3"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore").lower()
        if any(name in text for name in ("val-de-brume", "valdebrume", "val de brume")):
            named.append(str(path.relative_to(SRC)))
    assert named and all(name.startswith("demo/") for name in named), named


def test_the_environment_wins_over_the_demo_town():
    config = town.with_demo_town(Config(town_name="Brumeville"), {"RELAIS_TOWN_NAME": "Brumeville"})
    assert config.town_name == "Brumeville" and config.town_logo == town.LOGO and town.LOGO.is_file()
    assert config.personal_contact == town.SETTINGS["personal_contact"] and "poste 4210" in config.personal_contact
    assert set(town.environment()) == {f"RELAIS_{name.upper()}" for name in town.SETTINGS}


def _settings_seen(data_dir: Path, **environ: str) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in town.environment() and k != "DJANGO_SETTINGS_MODULE"}
    env.update(RELAIS_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="relais.settings", **environ)
    script = "import django; django.setup(); from django.conf import settings as s; "
    script += "print(s.RELAIS.town_name); print(s.RELAIS.smtp_from); print(s.RELAIS.town_logo)"
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return run.stdout.splitlines()


def test_the_marker_of_relais_demo_applies_the_demo_town(tmp_path):
    assert _settings_seen(tmp_path) == ["", "relais@localhost", "None"]  # no demo loaded: neutral
    town.write_marker(tmp_path)
    assert _settings_seen(tmp_path, RELAIS_TOWN_NAME="Brumeville") == [
        "Brumeville",  # the environment wins
        town.SETTINGS["smtp_from"],
        str(town.LOGO),
    ]
