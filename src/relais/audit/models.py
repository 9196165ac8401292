"""The audit log: who changed which document, FAQ entry, charter, role or setting, and when. Append-only."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    created_at = models.DateTimeField("le", auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    actor_label = models.CharField("par", max_length=150, help_text="Identifiant, ou « ligne de commande ».")
    action = models.CharField("action", max_length=40)
    target_type = models.CharField("objet", max_length=100, blank=True)
    target = models.CharField("désignation", max_length=300, blank=True)
    detail = models.JSONField("détail", default=dict, blank=True)

    class Meta:
        verbose_name = "événement d'audit"
        verbose_name_plural = "journal d'audit"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target}"
