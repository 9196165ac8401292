"""Baselines the time saved is measured against, and a cache of question vectors for the knowledge gaps."""

from __future__ import annotations

import numpy as np
from django.db import models


class Source(models.TextChoices):
    ENTERED = "saisie", "Saisie par le service"
    IMPORTED = "import", "Import d'un export de l'outil de demandes"
    SIMULATED = "simulation", "Simulation (démonstration)"  # made up by the demo's usage simulator


class ServiceBaseline(models.Model):
    """What a service spent on recurring requests before the assistant: the reference for the 15 %."""

    service = models.CharField("service", max_length=100, unique=True, help_text="Tel qu'il reçoit les demandes (RH…).")
    monthly_requests = models.PositiveIntegerField(
        "demandes récurrentes par mois", default=0, help_text="Volume mensuel moyen avant l'assistant."
    )
    staff_hours_per_month = models.FloatField(
        "heures d'agents par mois",
        null=True,
        blank=True,
        help_text="Temps passé chaque mois par le service à traiter ces demandes. Vide : demandes × durée moyenne.",
    )
    default_minutes = models.FloatField(
        "durée de traitement par défaut (minutes)",
        null=True,
        blank=True,
        help_text="Pour les demandes dont la catégorie n'a pas de durée propre.",
    )
    period_start = models.DateField("mesuré du", null=True, blank=True)
    period_end = models.DateField("mesuré jusqu'au", null=True, blank=True)
    source = models.CharField("origine", max_length=10, choices=Source.choices, default=Source.ENTERED)
    notes = models.TextField("remarques", blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "référence d'un service"
        verbose_name_plural = "références des services"
        ordering = ["service"]
        permissions = [("view_dashboard", "Consulter le tableau de pilotage")]

    def __str__(self) -> str:
        return self.service

    def mean_minutes(self) -> float | None:
        """Volume-weighted mean handling time of the categories, else the default."""
        rows = [(c.handling_minutes, c.monthly_requests or 1) for c in self.categories.all()]
        if rows:
            return sum(m * w for m, w in rows) / sum(w for _, w in rows)
        return self.default_minutes

    def hours_per_month(self) -> float | None:
        """Staff hours per month: entered, or monthly requests × mean handling minutes."""
        if self.staff_hours_per_month is not None:
            return self.staff_hours_per_month
        minutes = self.mean_minutes()
        if self.monthly_requests and minutes:
            return self.monthly_requests * minutes / 60
        return None

    def fallback_minutes(self) -> float | None:
        return self.default_minutes if self.default_minutes is not None else self.mean_minutes()


class CategoryBaseline(models.Model):
    """A category of recurring requests of a service and how long one takes to handle."""

    baseline = models.ForeignKey(ServiceBaseline, on_delete=models.CASCADE, related_name="categories")
    category = models.CharField("catégorie", max_length=100)
    handling_minutes = models.FloatField("durée moyenne de traitement (minutes)")
    monthly_requests = models.PositiveIntegerField("demandes par mois", null=True, blank=True)
    sample_size = models.PositiveIntegerField("demandes mesurées", null=True, blank=True)
    documents = models.ManyToManyField(
        "knowledge.Document",
        blank=True,
        verbose_name="documents rattachés",
        related_name="baseline_categories",
        help_text="Une question dont la première source est l'un de ces documents compte dans cette catégorie.",
    )

    class Meta:
        verbose_name = "catégorie de demandes"
        verbose_name_plural = "catégories de demandes"
        ordering = ["baseline__service", "category"]
        constraints = [models.UniqueConstraint(fields=["baseline", "category"], name="unique_category_per_service")]

    def __str__(self) -> str:
        return f"{self.baseline.service} — {self.category}"


class QuestionVector(models.Model):
    """Query embeddings of logged questions, computed once for the knowledge gaps (keyed by embedder and text)."""

    key = models.CharField(max_length=64, unique=True)
    vector = models.BinaryField()

    def array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)
