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
    # Who approves the agent's requests first (an ordre de mission goes to them, then to the owning service).
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_profiles",
        verbose_name="responsable hiérarchique",
    )
    # OpenID Connect (ProConnect): `sub` finds the account again at the next sign-in, even after an e-mail change;
    # `uid` is the agent's identifier at their identity provider, kept for reconciliation with that directory.
    oidc_sub = models.CharField("identifiant OpenID Connect (sub)", max_length=255, blank=True, db_index=True)
    oidc_uid = models.CharField("identifiant chez le fournisseur d'identité (uid)", max_length=255, blank=True)
    # A fictional agent made up by the demo's usage simulator: their questions, ratings and tickets are simulated,
    # and the dashboard and the report say so.
    simulated = models.BooleanField("compte simulé (démonstration)", default=False, editable=False)

    class Meta:
        verbose_name = "profil"

    def __str__(self) -> str:
        return f"{self.user} — {self.service or 'service inconnu'}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.manager_id is not None and self.manager_id == self.user_id:
            raise ValidationError({"manager": "Un agent ne peut pas être son propre responsable."})


class Charter(models.Model):
    """The town's AI usage charter, in Markdown. A new version is a new row; every user accepts it again."""

    version = models.PositiveIntegerField("version", unique=True, editable=False)
    title = models.CharField("titre", max_length=200, default="Charte d'utilisation de l'assistant IA")
    body = models.TextField("texte (Markdown)")
    published_at = models.DateTimeField("publiée le", default=timezone.now, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = "charte"
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} — version {self.version}"

    def save(self, *args, **kwargs) -> None:
        if self.version is None:
            latest = Charter.objects.aggregate(models.Max("version"))["version__max"] or 0
            self.version = latest + 1
        super().save(*args, **kwargs)


class CharterAcceptance(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="charter_acceptances")
    charter = models.ForeignKey(Charter, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField("acceptée le", default=timezone.now)

    class Meta:
        verbose_name = "acceptation de la charte"
        verbose_name_plural = "acceptations de la charte"
        constraints = [models.UniqueConstraint(fields=["user", "charter"], name="one_acceptance_per_version")]

    def __str__(self) -> str:
        return f"{self.user} — version {self.charter.version}"
