"""Conversations and the exchange log: one row per question answered (or not)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

TITLE_MAX_CHARS = 80


def title_from(question: str, limit: int = TITLE_MAX_CHARS) -> str:
    """A conversation's name from its first question: the question, cut on a word when longer than ``limit``."""
    text = " ".join(question.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return f"{cut.rstrip(' ,;:.!?-–—')}…"


class ConversationQuerySet(models.QuerySet):
    def of(self, user) -> ConversationQuerySet:
        """The conversations this user sees: their own, less those they deleted."""
        return self.filter(user=user, hidden_at__isnull=True)


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField("commencée le", auto_now_add=True)
    title = models.CharField(
        "nom",
        max_length=TITLE_MAX_CHARS,
        blank=True,
        help_text="Donné par l'agent ; vide, la conversation est nommée d'après sa première question.",
    )
    hidden_at = models.DateTimeField(
        "supprimée par l'agent le",
        null=True,
        blank=True,
        help_text="L'agent ne la voit plus ; son contenu est effacé à la fin de la durée de conservation, "
        "comme celui de toutes les conversations (les compteurs anonymes restent).",
    )

    objects = ConversationQuerySet.as_manager()

    class Meta:
        verbose_name = "conversation"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"

    def name(self, first_question: str | None = None) -> str:
        """The name shown: the agent's own, else the first question's (given, or read)."""
        if self.title:
            return self.title
        if first_question is None:
            first = self.exchanges.order_by("created_at", "pk").values_list("question", flat=True).first()
            first_question = first or ""
        return title_from(first_question) if first_question else "Nouvelle conversation"


class Mode(models.TextChoices):
    FAQ = "faq", "FAQ validée"
    EXTRACTIVE = "extractive", "Extrait des documents"
    GENERATED = "generated", "Rédigée à partir des documents"
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
    suggestions = models.JSONField("documents proches", default=list, help_text="Proposés quand Relais s'abstient.")
    contact = models.CharField("contact proposé", max_length=300, blank=True)
    prompt = models.TextField("prompt envoyé", blank=True, help_text="Vide pour les réponses sans LLM.")
    backend = models.CharField("moteur de réponse", max_length=50, default="extractive")
    generation_status = models.CharField(
        "issue de la rédaction",
        max_length=12,
        blank=True,
        help_text="grounded (montrée), ungrounded, abstained, empty, timeout, unavailable ou error "
        "(réponse extractive montrée) ; vide sans LLM.",
    )
    grounding_violations = models.JSONField(
        "faits non vérifiés", default=list, blank=True, help_text="Violations du contrôle de la réponse rédigée."
    )
    generation = models.JSONField(
        "détails de la rédaction",
        default=dict,
        blank=True,
        help_text="Brouillon, modèle, temps, jetons, estimation énergie/carbone, reformulation de la question.",
    )
    latency_ms = models.FloatField("latence (ms)")
    service = models.CharField(
        "service concerné", max_length=100, blank=True, help_text="Service du premier document cité ou proposé."
    )
    masked_pii = models.JSONField(
        "données personnelles masquées", default=list, blank=True, help_text="Types masqués avant tout traitement."
    )
    personal_situation = models.CharField(
        "situation personnelle", max_length=20, blank=True, help_text="health ou disciplinary : orientée vers les RH."
    )
    audience = models.CharField(
        "public",
        max_length=10,
        default="agents",
        db_index=True,
        help_text="agents : un agent de la commune ; public : un visiteur anonyme de l'assistant des citoyens.",
    )
    screened = models.CharField(
        "question écartée",
        max_length=20,
        blank=True,
        help_text=(
            "Assistant des citoyens : la règle qui a donné la réponse fixe (jailbreak, insult, named_person, "
            "political) ou la note ajoutée (personal_decision) ; vide sinon."
        ),
    )
    needs_check = models.BooleanField(
        "à vérifier",
        default=False,
        help_text="Montrée « à vérifier » : confiance sous RELAIS_VERIFY_BELOW au moment de la réponse.",
    )
    faq_question = models.CharField(
        "question de la FAQ",
        max_length=500,
        blank=True,
        help_text="Réponse de FAQ : la question de l'entrée retenue, montrée avec la réponse validée.",
    )
    followed_by_ticket = models.BooleanField(
        "suivi d'une demande",
        default=False,
        help_text="L'agent a ouvert une demande au même service dans les jours qui ont suivi : pas de déflexion.",
    )
    offered_procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="offers",
        verbose_name="démarche proposée",
        help_text="La question correspondait à une démarche guidée : l'agent s'est vu proposer de la commencer.",
    )
    created_at = models.DateTimeField("posée le", auto_now_add=True)

    class Meta:
        verbose_name = "échange"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.question[:80]

    def save(self, *args, **kwargs) -> None:
        if not self.service:
            self.service = self._service_of_sources()
        super().save(*args, **kwargs)

    def _service_of_sources(self) -> str:
        from relais.knowledge.models import Document

        ids = [item.get("document_id") for item in [*self.citations, *self.suggestions]]
        documents = Document.objects.select_related("collection").in_bulk([i for i in ids if i is not None])
        return service_of([documents.get(i) for i in ids])


def service_of(documents) -> str:
    """The owning service of the first of these documents (citations, then suggestions) that has one."""
    for document in documents:
        if document is not None and document.owning_service:
            return document.owning_service
    return ""


class Feedback(models.Model):
    """👍/👎 on an answer, with an optional reason: one per exchange, the latest click wins."""

    class Rating(models.TextChoices):
        UP = "up", "Utile"
        DOWN = "down", "Pas utile"

    class Reason(models.TextChoices):
        WRONG = "inexacte", "La réponse est inexacte"
        INCOMPLETE = "incomplete", "La réponse est incomplète"
        OFF_TOPIC = "hors_sujet", "La réponse ne correspond pas à ma question"
        OUTDATED = "perimee", "L'information est périmée"
        OTHER = "autre", "Autre raison"

    exchange = models.OneToOneField(Exchange, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    rating = models.CharField("avis", max_length=4, choices=Rating.choices)
    reason = models.CharField("raison", max_length=12, choices=Reason.choices, blank=True)
    comment = models.TextField("commentaire", blank=True, max_length=1000)
    created_at = models.DateTimeField("donné le", auto_now=True)

    class Meta:
        verbose_name = "avis"
        verbose_name_plural = "avis"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_rating_display()} — {self.exchange}"


class UsageCounter(models.Model):
    """Anonymised daily counts that survive the purge of exchanges (retention): no question, no user."""

    day = models.DateField("jour")
    service = models.CharField("service", max_length=100, blank=True)
    mode = models.CharField("mode", max_length=12, choices=Mode.choices)
    audience = models.CharField(
        "public",
        max_length=10,
        default="agents",
        help_text="agents : les agents de la commune ; public : les visiteurs de l'assistant des citoyens.",
    )
    exchanges = models.PositiveIntegerField("échanges", default=0)
    thumbs_up = models.PositiveIntegerField("avis positifs", default=0)
    thumbs_down = models.PositiveIntegerField("avis négatifs", default=0)
    followed_by_ticket = models.PositiveIntegerField("suivis d'une demande", default=0)
    masked_pii = models.PositiveIntegerField("questions avec données masquées", default=0)
    personal_situations = models.PositiveIntegerField("situations personnelles orientées", default=0)
    latency_ms_total = models.FloatField("latence cumulée (ms)", default=0.0)
    # The citizens' assistant's own counts (0 for the agents, whose hand-over is a ticket: followed_by_ticket).
    handovers = models.PositiveIntegerField(
        "orientés vers un service", default=0, help_text="Visiteurs sans réponse, orientés vers un service."
    )
    outside_hours = models.PositiveIntegerField(
        "hors des heures d'ouverture",
        default=0,
        help_text="Questions de visiteurs posées mairie fermée (0 sans horaires renseignés).",
    )
    screened = models.PositiveIntegerField(
        "écartées par le filtre", default=0, help_text="Questions de visiteurs qui ont reçu une réponse fixe."
    )

    class Meta:
        verbose_name = "compteur anonyme"
        verbose_name_plural = "compteurs anonymes"
        ordering = ["-day", "service", "mode", "audience"]
        constraints = [
            models.UniqueConstraint(fields=["day", "service", "mode", "audience"], name="one_counter_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.service or '—'} {self.mode} {self.audience}: {self.exchanges}"


def default_pause_message() -> str:
    """The town's contact message shown while the citizens' assistant is paused (the town hall, by name)."""
    town = settings.RELAIS.town_name
    hall = f"l'accueil de la mairie de {town}" if town else "l'accueil de la mairie"
    return (
        "L'assistant des citoyens est momentanément indisponible. "
        f"Pour toute question, adressez-vous à {hall}, par téléphone ou aux heures d'ouverture."
    )


class PublicAssistant(models.Model):
    """The citizens' assistant's switch (issue 20): one row. Read from the database on every visitor's request,
    so that a pause reaches every app server at the next question."""

    SINGLETON = 1

    paused = models.BooleanField(
        "mettre en pause l'assistant des citoyens",
        default=False,
        help_text="Cochée : la page /citoyens/ et l'API publique ne répondent plus, elles affichent le message "
        "ci-dessous, aussitôt (aucune recherche, aucune question enregistrée).",
    )
    pause_message = models.TextField(
        "message pendant la pause",
        max_length=1000,
        default=default_pause_message,
        help_text="Montré aux visiteurs à la place de l'assistant : qui contacter, comment.",
    )
    asked_while_paused = models.PositiveIntegerField(
        "questions reçues pendant la pause",
        default=0,
        help_text="Seulement comptées, depuis la dernière mise en pause.",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name="modifié par",
    )

    class Meta:
        verbose_name = "assistant des citoyens"
        verbose_name_plural = "assistant des citoyens"

    def __str__(self) -> str:
        return "Assistant des citoyens (en pause)" if self.paused else "Assistant des citoyens (en service)"

    def save(self, *args, **kwargs) -> None:
        self.pk = self.SINGLETON
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> PublicAssistant:
        switch, _ = cls.objects.get_or_create(pk=cls.SINGLETON)
        return switch

    @classmethod
    def pause_message_now(cls, asked: bool = True) -> str | None:
        """The message to show instead of an answer when paused, else None: one primary-key read per request
        (no cache: a pause must hold at once on every server). A question ``asked`` meanwhile is only counted."""
        message = cls.objects.filter(pk=cls.SINGLETON, paused=True).values_list("pause_message", flat=True).first()
        if message is not None and asked:
            cls.objects.filter(pk=cls.SINGLETON).update(asked_while_paused=models.F("asked_while_paused") + 1)
        return message


class AnswerModelFit(models.Model):
    """The decision model refitted on the town's own signals (`relais answers fit --save`). The latest active one
    decides every answer; with none, the model shipped with Relais does. Never edited: a new fit is a new row."""

    created_at = models.DateTimeField("ajusté le", auto_now_add=True)
    model = models.JSONField("modèle", help_text="Poids du classement et du choix répondre / s'abstenir.")
    signals = models.JSONField("signaux", default=dict, help_text="Questions retenues, par origine du signal.")
    figures = models.JSONField(
        "chiffres",
        default=dict,
        help_text="Le modèle livré sur ces signaux, et l'ajustement en validation croisée sur les mêmes.",
    )
    active = models.BooleanField(
        "en service", default=True, help_text="Décoché : Relais revient au modèle précédent (ou au modèle livré)."
    )

    class Meta:
        verbose_name = "ajustement du modèle de réponse"
        verbose_name_plural = "ajustements du modèle de réponse"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Ajustement du {self.created_at:%d/%m/%Y %H:%M}"
