"""The town's knowledge: collections of documents cut into passages."""

from __future__ import annotations

from datetime import date

import numpy as np
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models

from relais.accounts.roles import handler_group
from relais.engine.hours import HoursError, WeeklyHours


class Audience(models.TextChoices):
    AGENTS = "agents", "Agents de la commune"
    PUBLIC = "public", "Public (usagers)"


class Collection(models.Model):
    name = models.CharField("nom", max_length=100, unique=True)
    audience = models.CharField(
        "public visé",
        max_length=10,
        choices=Audience.choices,
        default=Audience.AGENTS,
        help_text="Qui reçoit des réponses tirées de ses documents : les agents de la commune, ou le public.",
    )
    service = models.CharField(
        "service propriétaire",
        max_length=100,
        blank=True,
        help_text="Le service qui tient la collection à jour ; vide : une collection partagée par tous les services.",
    )
    description = models.TextField("description", blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "collection"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    collection = models.ForeignKey(
        Collection,
        on_delete=models.CASCADE,
        related_name="documents",
        verbose_name="collection",
        help_text="Le public de la collection décide qui peut recevoir ce document en réponse.",
    )
    source = models.CharField(
        "fichier d'origine",
        max_length=1000,
        help_text="Le fichier déposé (ou son adresse) : déposer un fichier du même nom remplace ce document.",
    )
    title = models.CharField("titre", max_length=500, help_text="Le titre que les agents voient sous les réponses.")
    service = models.CharField("service propriétaire", max_length=100, blank=True)
    contact = models.CharField(
        "contact",
        max_length=300,
        blank=True,
        help_text="Qui joindre sur ce sujet : Relais l'indique quand le document ne suffit pas à répondre.",
    )
    # Technical fields below: shown to référents only in the folded « Informations techniques » section.
    content_hash = models.CharField(
        "contrôle d'intégrité",
        max_length=64,
        help_text="Calculé sur le contenu du fichier : un fichier déposé de nouveau sans changement n'est pas relu.",
    )
    version = models.CharField(
        "version", max_length=50, default="1", help_text="Le numéro ou la date de version que le service lui donne."
    )
    revision = models.PositiveIntegerField(
        "nombre de mises à jour", default=1, help_text="Augmente de 1 à chaque dépôt d'un contenu modifié."
    )
    reader_version = models.PositiveIntegerField(
        "lecture du fichier",
        default=1,
        help_text="Relais relit d'office les fichiers lus par une version plus ancienne du logiciel.",
    )
    valid_from = models.DateField(
        "en vigueur à partir du",
        null=True,
        blank=True,
        help_text="Vide : en vigueur dès maintenant. Avant cette date, Relais ne cite pas le document.",
    )
    valid_until = models.DateField(
        "en vigueur jusqu'au",
        null=True,
        blank=True,
        help_text="Vide : sans date de fin. Après cette date, Relais ne cite plus le document.",
    )
    file_format = models.CharField("format du fichier", max_length=10, blank=True)
    size_bytes = models.PositiveBigIntegerField("taille du fichier (octets)", default=0)
    ingested_at = models.DateTimeField("mis à jour dans Relais le")
    # The title alone, embedded: questions often paraphrase a title (see engine/search/hybrid_index.py).
    title_embedding = models.BinaryField("vecteur du titre", null=True, blank=True)

    class Meta:
        verbose_name = "document"
        ordering = ["collection__name", "title"]
        constraints = [models.UniqueConstraint(fields=["collection", "source"], name="unique_source_per_collection")]

    def __str__(self) -> str:
        return self.title

    @property
    def owning_service(self) -> str:
        """The service that owns it: its own, else its collection's (« » when neither says)."""
        return self.service or self.collection.service

    def title_vector(self) -> np.ndarray | None:
        return np.frombuffer(bytes(self.title_embedding), dtype=np.float32) if self.title_embedding else None

    def in_force(self, on: date) -> bool:
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_until is None or on <= self.valid_until
        )


class Passage(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="passages")
    position = models.PositiveIntegerField("rang dans le document")
    section_path = models.JSONField("partie du document", default=list)
    text = models.TextField("texte de l'extrait")
    embedding = models.BinaryField("vecteur")
    embedder = models.CharField("modèle d'embedding", max_length=100)

    class Meta:
        verbose_name = "passage"
        ordering = ["document_id", "position"]

    def __str__(self) -> str:
        return f"{self.document.title} — {self.section_label or '§' + str(self.position + 1)}"

    @property
    def section_label(self) -> str:
        return " > ".join(self.section_path)

    def vector(self) -> np.ndarray:
        return np.frombuffer(bytes(self.embedding), dtype=np.float32)


class SentenceVector(models.Model):
    """The sentence reader's vector of a sentence under its headings (sentence_choice.titled), keyed by embedder and
    text: computed once, in advance by the worker (knowledge/sentences.py), shared by every app server."""

    key = models.CharField(max_length=64, unique=True)
    vector = models.BinaryField()

    class Meta:
        verbose_name = "vecteur de phrase"
        verbose_name_plural = "vecteurs de phrases"

    def array(self) -> np.ndarray:
        return np.frombuffer(bytes(self.vector), dtype=np.float32)


class IndexGeneration(models.Model):
    """A single row counting knowledge changes.

    Each process keeps its passage index in memory; comparing this counter
    before a search tells it that another process (a CLI ingestion, a worker)
    changed the knowledge and that it must reload.
    """

    value = models.PositiveBigIntegerField(default=0)

    @classmethod
    def current(cls) -> int:
        row = cls.objects.filter(pk=1).values_list("value", flat=True).first()
        return row or 0

    @classmethod
    def bump(cls) -> None:
        updated = cls.objects.filter(pk=1).update(value=models.F("value") + 1)
        if not updated:
            cls.objects.get_or_create(pk=1, defaults={"value": 1})


class FaqEntry(models.Model):
    """A curated answer, returned as is when a question matches one of its phrasings closely."""

    collection = models.ForeignKey(
        Collection,
        on_delete=models.CASCADE,
        related_name="faq_entries",
        verbose_name="collection",
        help_text="Le public de la collection décide qui reçoit cette réponse.",
    )
    question = models.CharField(
        "question", max_length=500, help_text="Telle qu'un agent la poserait ; elle s'affiche avec la réponse."
    )
    phrasings = models.JSONField("autres formulations", default=list, blank=True)
    answer = models.TextField(
        "réponse validée", help_text="Donnée telle quelle quand une question correspond à l'une des formulations."
    )
    source_document = models.ForeignKey(
        Document,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="faq_entries",
        verbose_name="document source",
        help_text="Le document sur lequel s'appuie la réponse : Relais le cite sous la réponse.",
    )
    service = models.CharField(
        "service", max_length=100, blank=True, help_text="Le service qui tient cette réponse à jour."
    )
    example = models.BooleanField(
        "proposée en exemple",
        default=False,
        help_text="Montrée aux agents, avec les autres exemples de votre service, sur une conversation vide : "
        "un clic la pose. Sans exemple choisi, Relais montre les questions de la FAQ les plus posées.",
    )
    # One vector per phrasing (the question first), float32 rows, for matching.
    embeddings = models.BinaryField("vecteurs", null=True, blank=True)
    embedder = models.CharField("modèle d'embedding", max_length=100, blank=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "entrée de FAQ"
        verbose_name_plural = "entrées de FAQ"
        ordering = ["collection__name", "question"]
        constraints = [models.UniqueConstraint(fields=["collection", "question"], name="unique_faq_question")]

    def __str__(self) -> str:
        return self.question

    def all_phrasings(self) -> list[str]:
        return [self.question, *self.phrasings]

    def matrix(self, dim: int) -> np.ndarray:
        return np.frombuffer(bytes(self.embeddings or b""), dtype=np.float32).reshape(-1, dim)


def _readable_hours(text: str) -> None:
    try:
        WeeklyHours.parse(text)
    except HoursError as error:
        raise ValidationError(str(error)) from None


class ServiceDesk(models.Model):
    """Where a visitor reaches a service: the hand-over of the citizens' assistant when it cannot answer (issue 20)
    gives this desk's phone, address and opening hours, says whether it is open now, and offers a contact form
    whose request becomes a ticket to the service."""

    service = models.CharField(
        "service",
        max_length=100,
        unique=True,
        help_text="Tel que les pages le nomment (le « service propriétaire » des documents) : les questions sur "
        "ces pages sont orientées vers cet accueil.",
    )
    label = models.CharField("nom affiché", max_length=200, help_text="Par exemple « Service État civil ».")
    phone = models.CharField("téléphone", max_length=40, blank=True)
    email = models.EmailField("courriel", blank=True)
    address = models.CharField("adresse", max_length=300, blank=True)
    opening_hours = models.TextField(
        "horaires d'ouverture",
        validators=[_readable_hours],
        help_text="Une ligne par groupe de jours, par exemple « du lundi au vendredi : 8 h 30 - 12 h, 13 h 30 - 17 h » "
        "puis « samedi : 9 h - 12 h sauf juillet et août ». Une ligne plus bas remplace les horaires des jours "
        "qu'elle nomme ; « fermé » ferme ces jours.",
    )
    closed_on_public_holidays = models.BooleanField("fermé les jours fériés", default=True)
    notes = models.CharField(
        "précisions", max_length=300, blank=True, help_text="Par exemple « cartes d'identité sur rendez-vous »."
    )
    town_hall = models.BooleanField(
        "accueil de la mairie",
        default=False,
        help_text="L'accueil vers lequel Relais oriente quand aucun service ne correspond (un seul).",
    )
    contact_form = models.BooleanField(
        "formulaire de contact",
        default=True,
        help_text="Proposer aux visiteurs d'écrire à ce service : leur demande arrive comme une demande d'agent.",
    )
    demo = models.BooleanField("démonstration", default=False, editable=False)

    class Meta:
        verbose_name = "accueil d'un service"
        verbose_name_plural = "accueils des services (pour les citoyens)"
        ordering = ["-town_hall", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["town_hall"],
                condition=models.Q(town_hall=True),
                name="one_town_hall",
                violation_error_message="Un seul accueil peut être celui de la mairie : décochez l'autre d'abord.",
            )
        ]

    def __str__(self) -> str:
        return self.label

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        # The desk's written requests become tickets of its service: the « Traitement » group that handles them.
        Group.objects.get_or_create(name=handler_group(self.service))

    def hours(self) -> WeeklyHours:
        return WeeklyHours.parse(self.opening_hours, closed_on_public_holidays=self.closed_on_public_holidays)
