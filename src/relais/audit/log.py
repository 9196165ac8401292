"""Recording audit events from the admin, the command line and the server's start."""

from __future__ import annotations

from relais.audit.models import AuditEvent

COMMAND_LINE = "ligne de commande"
ENVIRONMENT = "environnement du serveur"


def record(action: str, *, actor=None, actor_label: str = "", target=None, target_type: str = "", detail=None):
    """One audit event; `target` may be a model instance (its type and text are taken) or a string."""
    if target is not None and hasattr(target, "_meta"):
        target_type = target_type or str(target._meta.verbose_name)
        target = str(target)
    label = actor_label or (actor.get_username() if actor is not None else COMMAND_LINE)
    return AuditEvent.objects.create(
        actor=actor,
        actor_label=label[:150],
        action=action[:40],
        target_type=target_type[:100],
        target=str(target or "")[:300],
        detail=detail or {},
    )
