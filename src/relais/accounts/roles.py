"""Roles as Django groups with their permissions, created on demand (idempotent).

Agents ask. A référent maintains their own service's collections, documents and FAQ (the admin scopes them by
`Profile.service`) and reads the exchange log. Handlers are the « Traitement SERVICE » groups (one per service of
`RELAIS_HELPDESK_SERVICES`): they answer that service's tickets and validate its procedures. The
digital leads read the dashboard. The DPO publishes the charter and reads the audit log, the acceptances and the
anonymised counts — not the conversations.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group, Permission

AGENT = "Agents"
REFERENT_RH = "Référents RH"
REFERENT_DSI = "Référents DSI"
PILOTAGE = "Pilotage"  # digital leads: the trial's dashboard and baselines (relais.insights)
DPO = "DPO"  # délégué à la protection des données

_DATA_PROTECTION = [
    "add_charter", "view_charter", "view_charteracceptance", "view_auditevent", "view_usagecounter",
]  # fmt: skip

_KNOWLEDGE_MAINTENANCE = [
    f"{action}_{model}"
    for model in ("collection", "document", "faqentry")
    for action in ("add", "change", "delete", "view")
] + ["view_passage", "view_exchange", "view_conversation", "view_feedback"]

# Guided procedures of their service: definitions (YAML, checked on save) and the runs, read-only.
_PROCEDURE_MAINTENANCE = [f"{action}_procedure" for action in ("add", "change", "view")] + ["view_run", "view_approval"]

# The dashboard (/pilotage/) and the services' baselines it measures the time saved against; the citizens'
# assistant's pause switch (« Mettre en pause »), which the digital leads and the référents may pull at once, and
# the services' desks it hands visitors over to (phones, opening hours).
_PILOTAGE = (
    ["view_dashboard"]
    + [f"{action}_{model}" for model in ("servicebaseline", "categorybaseline") for action in ("add", "change", "view")]
    + ["change_publicassistant", "view_publicassistant"]
    + [f"{action}_servicedesk" for action in ("add", "change", "view")]
)

GROUP_PERMISSIONS: dict[str, list[str]] = {
    AGENT: [],
    REFERENT_RH: _KNOWLEDGE_MAINTENANCE + _PROCEDURE_MAINTENANCE + _PILOTAGE,
    REFERENT_DSI: _KNOWLEDGE_MAINTENANCE + _PROCEDURE_MAINTENANCE + _PILOTAGE,
    PILOTAGE: [*_PILOTAGE, "view_exchange", "view_feedback"],
    DPO: _DATA_PROTECTION,
}

# The role names used in demo/users.yaml.
ROLE_GROUPS = {
    "agent": AGENT,
    "referent_rh": REFERENT_RH,
    "referent_dsi": REFERENT_DSI,
    "pilotage": PILOTAGE,
    "dpo": DPO,
    "admin": None,
}
STAFF_ROLES = {"referent_rh", "referent_dsi", "pilotage", "dpo", "admin"}


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


# Handlers: one « Traitement SERVICE » group per helpdesk service.
HANDLER_GROUP_PREFIX = "Traitement "


def services() -> list[str]:
    return [service for service, _ in settings.RELAIS.helpdesk_services]


def handler_group(service: str) -> str:
    return f"{HANDLER_GROUP_PREFIX}{service}"


def handled_services(user) -> list[str]:
    """The services whose tickets this user handles (through the « Traitement SERVICE » groups).

    A superuser (the README's `admin`, « tous les droits ») handles every service: the queue, the tickets and the
    service stage of the guided procedures.
    """
    if user.is_superuser:  # the configured services, and those with a handler group (a public desk's, issue 20)
        groups = Group.objects.filter(name__startswith=HANDLER_GROUP_PREFIX).values_list("name", flat=True)
        grouped = [name.removeprefix(HANDLER_GROUP_PREFIX) for name in groups]
        return list(dict.fromkeys([*services(), *(name for name in grouped if name)]))
    names = user.groups.filter(name__startswith=HANDLER_GROUP_PREFIX).values_list("name", flat=True)
    return [name.removeprefix(HANDLER_GROUP_PREFIX) for name in names if name.removeprefix(HANDLER_GROUP_PREFIX)]


def ensure_handler_groups() -> None:
    for service in services():
        Group.objects.get_or_create(name=handler_group(service))
