"""API tokens: one per script or integration, stored hashed, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "rls_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def create_for(self, user, name: str) -> tuple[ApiToken, str]:
        """The new token and its raw value, shown once: only its hash is kept."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = self.create(user=user, name=name, key_hash=hash_token(raw), hint=raw[: len(TOKEN_PREFIX) + 4])
        return token, raw

    def authenticate(self, raw: str):
        """The active user owning this raw token, or None; records the use."""
        token = self.select_related("user").filter(key_hash=hash_token(raw), revoked_at__isnull=True).first()
        if token is None or not token.user.is_active:
            return None
        self.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField("nom", max_length=100, help_text="À quoi sert ce jeton (script, intégration…).")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField("début du jeton", max_length=12, editable=False)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    last_used_at = models.DateTimeField("dernière utilisation", null=True, blank=True)
    revoked_at = models.DateTimeField("révoqué le", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "jeton d'API"
        verbose_name_plural = "jetons d'API"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"


class Profile(models.Model):
    """What Relais knows of an agent beyond Django's user: the service they work in."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    service = models.CharField("service", max_length=100, blank=True)

    class Meta:
        verbose_name = "profil"

    def __str__(self) -> str:
        return f"{self.user} — {self.service or 'service inconnu'}"
