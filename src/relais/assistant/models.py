"""Conversations and the exchange log: one row per question answered (or not)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField("commencée le", auto_now_add=True)

    class Meta:
        verbose_name = "conversation"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Conversation {self.pk}"


class Mode(models.TextChoices):
    FAQ = "faq", "FAQ validée"
    EXTRACTIVE = "extractive", "Extrait des documents"
    NONE = "none", "Pas de réponse"


class Exchange(models.Model):
    """The log that feeds debugging, escalation context and the measurement of time saved."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="exchanges")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    question = models.TextField("question")
    search_query = models.TextField("requête de recherche", help_text="La question complétée par le contexte.")
    answer = models.TextField("réponse")
    mode = models.CharField("mode", max_length=12, choices=Mode.choices)
    confidence = models.FloatField("confiance")
    retrieved = models.JSONField("passages retrouvés", default=list, help_text="id, document, scores et rangs")
    citations = models.JSONField("citations", default=list)
    prompt = models.TextField("prompt envoyé", blank=True, help_text="Vide pour les réponses sans LLM.")
    backend = models.CharField("moteur de réponse", max_length=50, default="extractive")
    latency_ms = models.FloatField("latence (ms)")
    created_at = models.DateTimeField("posée le", auto_now_add=True)

    class Meta:
        verbose_name = "échange"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question[:80]
