"""Every change made in the admin (Django's LogEntry) is copied into the audit log."""

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from relais.audit.log import record

ACTIONS = {ADDITION: "ajout", CHANGE: "modification", DELETION: "suppression"}


@receiver(post_save, sender=LogEntry)
def admin_change(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if not created:
        return
    record(
        ACTIONS.get(instance.action_flag, "action"),
        actor=instance.user,
        target=instance.object_repr,
        target_type=str(instance.content_type.model_class()._meta.verbose_name) if instance.content_type else "",
        detail={"object_id": instance.object_id, "change": instance.get_change_message()},
    )
