"""Settings come from the environment, outside the application: each server start compares them with the
last start's and records what changed (secrets are reduced to « changed »)."""

from __future__ import annotations

import hashlib
from dataclasses import fields

from relais.audit.log import ENVIRONMENT, record
from relais.audit.models import AuditEvent
from relais.config import Config

SECRET_WORDS = ("secret", "password", "token")
ACTION = "réglages"


def _snapshot(config: Config) -> dict[str, str]:
    values = {}
    for spec in fields(config):
        value = getattr(config, spec.name)
        text = str(value)
        if any(word in spec.name for word in SECRET_WORDS) and value:
            # A short fingerprint tells that a secret changed without writing it down.
            text = "••• " + hashlib.sha256(text.encode()).hexdigest()[:6]
        values[spec.name] = text
    return values


def record_settings_changes(config: Config) -> dict[str, list[str]] | None:
    """Record the settings that differ from the previous start; None when nothing changed."""
    current = _snapshot(config)
    last = AuditEvent.objects.filter(action=ACTION).first()
    previous = last.detail.get("settings", {}) if last else {}
    changed = {name: [previous.get(name, ""), value] for name, value in current.items() if previous.get(name) != value}
    if last is not None and not changed:
        return None
    record(ACTION, actor_label=ENVIRONMENT, target="RELAIS_*", detail={"settings": current, "changed": changed})
    return changed
