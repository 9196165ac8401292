"""The settings of Val-de-Brume, the demo's fictional commune, and how they reach a running Relais.

The product's defaults name no town (relais.config). `relais demo` writes the marker file DATA_DIR/demo-town
after loading the demo; while it exists, the demo app (DemoConfig.ready) applies these values to every setting
the environment leaves unset: a RELAIS_* variable always wins, and deleting the marker (or the data folder)
brings the neutral defaults back. Tests set the same values through the environment (tests/settings.py).

No Django here: tests/settings.py reads these values before Django starts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from relais.config import Config, env_name

TOWN_NAME = "Val-de-Brume"
LOGO = Path(__file__).resolve().parent / "logo-val-de-brume.svg"
MARKER = "demo-town"  # under the data folder

# Config field → value: what the demo's documents, FAQ and accounts assume.
SETTINGS: dict[str, object] = {
    "town_name": TOWN_NAME,
    "town_logo": LOGO,
    "town_notice": f"Démonstration — {TOWN_NAME} est une commune fictive.",
    "default_contact": "Service RH (poste 4210) ou centre de services DSI (poste 4400)",
    "personal_contact": "Service RH, accueil confidentiel (poste 4210)",
    "smtp_from": "relais@valdebrume.example",
}


def environment() -> dict[str, str]:
    """The same values as RELAIS_* environment variables."""
    return {env_name(name): str(value) for name, value in SETTINGS.items()}


def with_demo_town(config: Config, environ: Mapping[str, str]) -> Config:
    """config with the demo town's values for every setting the environment does not set."""
    values = {name: value for name, value in SETTINGS.items() if env_name(name) not in environ}
    return dataclasses.replace(config, **values) if values else config


def marker(data_dir: Path) -> Path:
    return Path(data_dir) / MARKER


def write_marker(data_dir: Path) -> Path:
    path = marker(data_dir)
    path.write_text(
        f"Written by `relais demo`: while this file exists, the settings of {TOWN_NAME} (relais.demo.town) apply\n"
        "to every RELAIS_* variable the environment leaves unset. Delete it to get the neutral defaults back.\n",
        encoding="utf-8",
    )
    return path
