"""The digital diagnosis: a campaign, and per service its tools, its practices and its tasks.

Services here are the units the référents numériques answer for (17 in the demo town). Their `name` is the one the
rest of Relais uses (`Profile.service`, a ticket's service: « RH », « DSI »…), so a task can later be compared with
what Relais measures for that service.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]


class Service(models.Model):
    name = models.CharField("service", max_length=100, unique=True, help_text="Tel que Relais le nomme (RH, DSI…).")
    label = models.CharField("nom complet", max_length=200, blank=True)
    referents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="diagnostic_services",
        verbose_name="référents numériques",
        help_text="Ils remplissent le diagnostic de ce service, et de lui seul.",
    )
    demo = models.BooleanField("démonstration", default=False, editable=False)

    class Meta:
        verbose_name = "service"
        ordering = ["name"]
        permissions = [("view_all_services", "Voir le diagnostic numérique de tous les services")]

    def __str__(self) -> str:
        return self.label or self.name


class CampaignQuerySet(models.QuerySet):
    def current(self) -> Campaign | None:
        """The campaign being filled: the most recently opened one."""
        return self.order_by("-opened_on", "-pk").first()


class Campaign(models.Model):
    name = models.CharField("nom", max_length=200, unique=True)
    opened_on = models.DateField("ouverte le")
    deadline = models.DateField("date limite", null=True, blank=True, help_text="Vide : à fixer.")
    demo = models.BooleanField("démonstration", default=False, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = "campagne"
        ordering = ["-opened_on"]

    def __str__(self) -> str:
        return self.name


class Submission(models.Model):
    """A service's référent says its part of the campaign is complete."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="submissions")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="submissions")
    submitted_at = models.DateTimeField("transmis le", auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "diagnostic transmis"
        verbose_name_plural = "diagnostics transmis"
        constraints = [models.UniqueConstraint(fields=["campaign", "service"], name="one_submission_per_service")]


class Hosting(models.TextChoices):
    ON_PREMISES = "interne", "Serveurs de la commune"
    PUBLIC_HOST = "mutualise", "Hébergeur public ou mutualisé (syndicat, intercommunalité)"
    SAAS = "saas", "Logiciel en ligne d'un éditeur (SaaS)"
    WORKSTATION = "poste", "Poste de travail"
    UNKNOWN = "inconnu", "Ne sait pas"


class Tool(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tools")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="tools")
    name = models.CharField("outil", max_length=200)
    use = models.TextField("usage", help_text="À quoi il sert dans le service.")
    hosting = models.CharField("hébergement", max_length=10, choices=Hosting.choices, default=Hosting.UNKNOWN)
    users = models.PositiveIntegerField("nombre d'utilisateurs", validators=[MinValueValidator(1)])
    satisfaction = models.PositiveSmallIntegerField(
        "satisfaction (1 à 5)", validators=ONE_TO_FIVE, help_text="1 : très insatisfaits, 5 : très satisfaits."
    )
    pains = models.TextField("difficultés", blank=True)

    class Meta:
        verbose_name = "outil"
        ordering = ["service__name", "name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "service", "name"], name="one_tool_per_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.service.name})"


class Practice(models.Model):
    """A service's digital practices: one per campaign and service."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="practices")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="practices")
    skills_level = models.PositiveSmallIntegerField(
        "aisance numérique des agents (1 à 5)",
        validators=ONE_TO_FIVE,
        help_text="1 : la plupart des agents ont besoin d'aide ; 5 : le service est autonome.",
    )
    skills = models.TextField("compétences numériques", help_text="Ce que les agents savent faire, ce qui manque.")
    needs = models.TextField("besoins", help_text="Ce que le service attend du numérique : outils, formation, aide.")

    class Meta:
        verbose_name = "pratiques numériques"
        verbose_name_plural = "pratiques numériques"
        constraints = [models.UniqueConstraint(fields=["campaign", "service"], name="one_practice_per_service")]

    def __str__(self) -> str:
        return f"Pratiques — {self.service.name}"


class Task(models.Model):
    """One task of a service, as its référent describes it: the unit the AI-opportunity score rates."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="tasks")
    referent = models.CharField("référent", max_length=200, blank=True)
    title = models.CharField("tâche", max_length=300)
    tool = models.CharField("outil", max_length=200, blank=True)
    frequency_per_month = models.DecimalField(
        "fréquence par mois", max_digits=9, decimal_places=2, validators=[MinValueValidator(0.01)],
        help_text="Combien de fois le service la fait dans un mois (tous agents confondus).",
    )  # fmt: skip
    minutes_per_occurrence = models.DecimalField(
        "minutes par occurrence", max_digits=7, decimal_places=2, validators=[MinValueValidator(0.01)]
    )
    agents = models.PositiveIntegerField("agents concernés", null=True, blank=True)
    repetitiveness = models.PositiveSmallIntegerField(
        "répétitivité (1 à 5)", validators=ONE_TO_FIVE, help_text="1 : chaque cas est différent ; 5 : toujours pareil."
    )
    digital_input = models.PositiveSmallIntegerField(
        "données déjà numériques (1 à 5)",
        validators=ONE_TO_FIVE,
        help_text="1 : tout arrive sur papier ; 5 : tout arrive déjà sous forme numérique.",
    )
    personal_data = models.BooleanField("données personnelles", default=False)
    decision_about_people = models.BooleanField(
        "décision sur des personnes",
        default=False,
        help_text="La tâche décide de droits, d'une aide, d'une sanction, d'un recrutement… (usage à haut risque).",
    )
    comment = models.TextField("commentaire", blank=True)
    # The bridge to what Relais measures: the collection or the guided procedure that serves this task.
    collection = models.ForeignKey(
        "knowledge.Collection", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="collection de Relais",
    )  # fmt: skip
    procedure = models.ForeignKey(
        "procedures.Procedure", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name="démarche guidée de Relais",
    )  # fmt: skip

    class Meta:
        verbose_name = "tâche"
        ordering = ["service__name", "title"]
        constraints = [models.UniqueConstraint(fields=["campaign", "service", "title"], name="one_task_per_title")]

    def __str__(self) -> str:
        return f"{self.title} ({self.service.name})"


# Working groups, roadmap, awareness: what the services make of the inventory.


class WorkingSession(models.Model):
    """A session of a service's working group: who came, which tasks it went through, what it decided.

    A service's working group is the series of its sessions; the strategy asks each group to list « les tâches à
    faible valeur ajoutée qui pourraient bénéficier de l'IA ».
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="sessions")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField("date de la séance")
    participants = models.TextField("participants", help_text="Un nom ou une fonction par ligne.")
    tasks = models.ManyToManyField(Task, blank=True, related_name="sessions", verbose_name="tâches examinées")
    decisions = models.TextField("décisions", help_text="Ce que le groupe a décidé : une décision par ligne.")

    class Meta:
        verbose_name = "séance du groupe de travail"
        verbose_name_plural = "séances des groupes de travail"
        ordering = ["service__name", "-held_on"]
        constraints = [models.UniqueConstraint(fields=["campaign", "service", "held_on"], name="one_session_per_day")]

    def __str__(self) -> str:
        return f"Groupe de travail {self.service.name} — {self.held_on:%d/%m/%Y}"

    @property
    def participant_list(self) -> list[str]:
        return [line.strip() for line in self.participants.splitlines() if line.strip()]

    @property
    def decision_list(self) -> list[str]:
        return [line.strip() for line in self.decisions.splitlines() if line.strip()]


class ChantierStatus(models.TextChoices):
    PLANNED = "a_lancer", "À lancer"
    RUNNING = "en_cours", "En cours"
    DONE = "termine", "Terminé"
    DROPPED = "abandonne", "Abandonné"


class Chantier(models.Model):
    """A « chantier » of the roadmap: tasks grouped into one project, rated value × effort, owned by a service."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="chantiers")
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="chantiers", verbose_name="service porteur",
        help_text="Ses référents numériques tiennent ce chantier à jour.",
    )  # fmt: skip
    name = models.CharField("chantier", max_length=200)
    description = models.TextField("description", blank=True)
    tasks = models.ManyToManyField(Task, blank=True, related_name="chantiers", verbose_name="tâches regroupées")
    value = models.PositiveSmallIntegerField(
        "valeur (1 à 5)", validators=ONE_TO_FIVE, help_text="1 : gain faible ; 5 : gain majeur pour les agents."
    )
    effort = models.PositiveSmallIntegerField(
        "effort (1 à 5)", validators=ONE_TO_FIVE, help_text="1 : quelques jours ; 5 : un projet de plusieurs mois."
    )
    owner = models.CharField("responsable", max_length=200, help_text="Qui pilote le chantier (nom ou fonction).")
    status = models.CharField("statut", max_length=10, choices=ChantierStatus.choices, default=ChantierStatus.PLANNED)

    class Meta:
        verbose_name = "chantier"
        ordering = ["-value", "effort", "name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="one_chantier_per_name")]

    def __str__(self) -> str:
        return self.name


class AwarenessKind(models.TextChoices):
    SEMINAR = "seminaire", "Séminaire des encadrants"
    SESSION = "session", "Session de sensibilisation du service"


class AwarenessAction(models.Model):
    """An awareness action of the strategy, as one service took part in it (a seminar is one row per service)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="awareness")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="awareness")
    kind = models.CharField("action", max_length=10, choices=AwarenessKind.choices)
    held_on = models.DateField("date")
    attendees = models.PositiveIntegerField("agents présents", validators=[MinValueValidator(1)])
    names = models.TextField("qui était là", blank=True, help_text="Facultatif : un nom ou une fonction par ligne.")

    class Meta:
        verbose_name = "action de sensibilisation"
        verbose_name_plural = "actions de sensibilisation"
        ordering = ["service__name", "held_on"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "service", "kind", "held_on"], name="one_action_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.service.name}, {self.held_on:%d/%m/%Y}"
