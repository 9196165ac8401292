"""A change of manager moves the requests waiting for the former one (relais.procedures.runs.follow_manager)."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from relais.accounts.models import Profile
from relais.procedures.runs import follow_manager


@receiver(post_save, sender=Profile, dispatch_uid="procedures-follow-manager")
def manager_changed(sender, instance: Profile, **kwargs) -> None:
    follow_manager(instance.user, instance.manager)
