"""Roles as Django groups with their permissions, created on demand (idempotent).

The charter issue refines these (référents limited to their own service, DPO,
handlers); for now a référent maintains the knowledge and reads the exchange log.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

AGENT = "Agents"
REFERENT_RH = "Référents RH"
REFERENT_DSI = "Référents DSI"
PILOTAGE = "Pilotage"  # digital leads: the trial's dashboard and baselines (relais.insights)

_KNOWLEDGE_MAINTENANCE = [
    f"{action}_{model}"
    for model in ("collection", "document", "faqentry")
    for action in ("add", "change", "delete", "view")
] + ["view_passage", "view_exchange", "view_conversation", "view_feedback"]

# The dashboard (/pilotage/) and the services' baselines it measures the time saved against.
_PILOTAGE = ["view_dashboard"] + [
    f"{action}_{model}" for model in ("servicebaseline", "categorybaseline") for action in ("add", "change", "view")
]

GROUP_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [],
    REFERENT_RH: _KNOWLEDGE_MAINTENANCE + _PILOTAGE,
    REFERENT_DSI: _KNOWLEDGE_MAINTENANCE + _PILOTAGE,
    PILOTAGE: [*_PILOTAGE, "view_exchange", "view_feedback"],
}

# The role names used in demo/users.yaml.
ROLE_GROUPS = {
    "agent": AGENT,
    "referent_rh": REFERENT_RH,
    "referent_dsi": REFERENT_DSI,
    "pilotage": PILOTAGE,
    "admin": None,
}
STAFF_ROLES = {"referent_rh", "referent_dsi", "pilotage", "admin"}


def ensure_groups() -> dict[str, Group]:
    groups = {}
    for name, codenames in GROUP_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = Permission.objects.filter(codename__in=codenames)
        missing = set(codenames) - set(permissions.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"Unknown permissions for group {name}: {sorted(missing)}; run `relais migrate`")
        group.permissions.set(permissions)
        groups[name] = group
    return groups
