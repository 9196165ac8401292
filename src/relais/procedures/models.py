"""Guided procedures (« démarches »): their definitions, each agent's run, and its approval route."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from relais.engine.procedures.definition import ProcedureDefinition, ProcedureError
from relais.engine.procedures.loading import load_procedure, parse_yaml


class Procedure(models.Model):
    """A procedure as référents write it: YAML text, checked on save, versioned, owned by a service."""

    slug = models.SlugField("code", max_length=80, unique=True, editable=False)
    title = models.CharField("titre", max_length=200, editable=False)
    service = models.CharField("service", max_length=100, editable=False)
    definition = models.TextField(
        "définition (YAML)",
        help_text="Titre, déclencheurs, étapes et champs, validation : voir le modèle et docs/procedures.md.",
    )
    revision = models.PositiveIntegerField("révision", default=1, editable=False)
    is_active = models.BooleanField("proposée dans le chat", default=True)
    source = models.CharField("origine", max_length=300, blank=True, editable=False)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False, related_name="+"
    )

    class Meta:
        verbose_name = "démarche guidée"
        verbose_name_plural = "démarches guidées"
        ordering = ["service", "title"]

    def __str__(self) -> str:
        return self.title or self.slug

    def parsed(self) -> ProcedureDefinition:
        return parse_yaml(self.definition)

    def clean(self) -> None:
        try:
            definition = self.parsed()
        except ProcedureError as exc:
            raise ValidationError({"definition": str(exc)}) from exc
        other = Procedure.objects.filter(slug=definition.slug).exclude(pk=self.pk)
        if other.exists():
            raise ValidationError({"definition": f"Le code « {definition.slug} » est déjà celui d'une autre démarche."})

    def save(self, *args, **kwargs) -> None:
        definition = self.parsed()
        if self.pk:
            previous = Procedure.objects.filter(pk=self.pk).values_list("definition", flat=True).first()
            if previous is not None and previous != self.definition:
                self.revision += 1  # runs keep the definition they started with
        self.slug, self.title, self.service = definition.slug, definition.title, definition.service
        super().save(*args, **kwargs)


class Status(models.TextChoices):
    DRAFT = "en_cours", "En cours de saisie"
    PENDING = "en_validation", "En attente de validation"
    APPROVED = "validee", "Validée"
    REJECTED = "refusee", "Refusée"
    DONE = "terminee", "Terminée"
    BLOCKED = "bloquee", "Transmise au service (étape en échec)"
    ABANDONED = "abandonnee", "Abandonnée"


class Run(models.Model):
    """One agent going through one procedure; keeps the definition it started with."""

    # Never finished: deleted whole after the retention period.
    UNFINISHED = (Status.DRAFT, Status.ABANDONED)

    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="runs")
    revision = models.PositiveIntegerField("révision de la démarche")
    definition = models.JSONField("définition utilisée")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procedure_runs")
    service = models.CharField("service de l'agent", max_length=100, blank=True)
    exchange = models.ForeignKey(
        "assistant.Exchange", on_delete=models.SET_NULL, null=True, blank=True, related_name="procedure_runs"
    )
    question = models.TextField("question d'origine", blank=True)
    values = models.JSONField("réponses", default=dict, blank=True)
    prefilled = models.JSONField("champs pré-remplis", default=list, blank=True)
    status = models.CharField("statut", max_length=14, choices=Status.choices, default=Status.DRAFT)
    number = models.PositiveIntegerField("numéro", null=True, blank=True, editable=False)
    ticket = models.ForeignKey(
        "helpdesk.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="procedure_runs"
    )
    created_at = models.DateTimeField("commencée le", default=timezone.now)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)
    submitted_at = models.DateTimeField("envoyée le", null=True, blank=True)
    completed_at = models.DateTimeField("terminée le", null=True, blank=True)
    # Unread marks about it (helpdesk.Notification): deleted with the run.
    notifications = GenericRelation("helpdesk.Notification", "subject_id", "subject_type")

    class Meta:
        verbose_name = "démarche d'un agent"
        verbose_name_plural = "démarches des agents"
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["user", "status"]), models.Index(fields=["status", "completed_at"])]
        constraints = [models.UniqueConstraint(fields=["procedure", "number"], name="one_number_per_procedure")]

    def __str__(self) -> str:
        return f"{self.reference} — {self.procedure.title}"

    def spec(self) -> ProcedureDefinition:
        return load_procedure(self.definition)

    @property
    def reference(self) -> str:
        document = (self.definition or {}).get("document") or {}
        prefix = str(document.get("prefixe") or "DEM").upper()
        if self.number is None:
            return f"brouillon n° {self.pk}"
        return f"{prefix}-{self.submitted_at or self.created_at:%Y}-{self.number:04d}"

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    def current_approval(self) -> Approval | None:
        return self.approvals.filter(decision=Decision.PENDING).order_by("position").first()


class Decision(models.TextChoices):
    WAITING = "a_venir", "À venir"
    PENDING = "en_attente", "En attente"
    APPROVED = "approuvee", "Approuvée"
    REJECTED = "refusee", "Refusée"


class Approval(models.Model):
    """One stage of a request's route: the agent's manager, then the owning service."""

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="approvals")
    position = models.PositiveSmallIntegerField()
    stage = models.CharField("étape", max_length=20)  # responsable | service
    label = models.CharField("libellé", max_length=100)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    service = models.CharField("service valideur", max_length=100, blank=True)
    decision = models.CharField("décision", max_length=12, choices=Decision.choices, default=Decision.WAITING)
    comment = models.TextField("commentaire", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("décidée le", null=True, blank=True)

    class Meta:
        verbose_name = "validation"
        ordering = ["run", "position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="one_approval_per_position")]

    def __str__(self) -> str:
        return f"{self.label} — {self.get_decision_display()}"
