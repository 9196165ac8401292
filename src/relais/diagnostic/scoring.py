"""The AI-opportunity score of a task: pure Python (no Django), documented in docs/diagnostic.md.

hours per year = occurrences per month × 12 × minutes ÷ 60. Potential (0–1) from repetitiveness and the share of
the input already digital. Risk from personal data and decisions about people: a task that decides about a person
is a high-risk use (EU AI Act, annex III, and the town's charter) — it is flagged and never recommended for
automation, at most for assistance under human review. The score (0–100) weighs the potential by the hours at
stake (on a log scale: 10 h and 1,000 h a year differ, 900 h and 1,000 h hardly do) and by the risk.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

MIN_HOURS = 12.0  # under an hour a month for the whole service, no project is worth starting
MIN_POTENTIAL = 0.5  # under it the task is too varied or its input too much on paper
FULL_HOURS = 1000.0  # the hours a year at which the volume factor reaches 1
REPETITIVENESS_WEIGHT, DIGITAL_WEIGHT = 0.6, 0.4  # repeating is what AI assistance needs most


class Risk(StrEnum):
    LOW = "faible"
    MODERATE = "modéré"
    HIGH = "élevé"


RISK_FACTOR = {Risk.LOW: 1.0, Risk.MODERATE: 0.8, Risk.HIGH: 0.5}


class Kind(StrEnum):
    KNOWLEDGE_BASE = "base_de_connaissances"
    PROCEDURE = "demarche_guidee"
    DRAFTING = "aide_a_la_redaction"
    AUTOMATION = "automatisation_hors_relais"
    HUMAN_REVIEW = "assistance_sous_controle_humain"
    NOT_RECOMMENDED = "non_recommande"


KIND_LABELS = {
    Kind.KNOWLEDGE_BASE: "Réponse dans la base de connaissances de Relais",
    Kind.PROCEDURE: "Démarche guidée dans Relais",
    Kind.DRAFTING: "Aide à la rédaction",
    Kind.AUTOMATION: "Automatisation hors Relais",
    Kind.HUMAN_REVIEW: "Assistance sous contrôle humain",
    Kind.NOT_RECOMMENDED: "Non recommandé",
}

# Share of the task's hours each kind may save: hypotheses the diagnosis states, to be checked against what
# Relais measures once the task is linked to a collection or a procedure.
SAVED_SHARE = {
    Kind.KNOWLEDGE_BASE: 0.30,
    Kind.PROCEDURE: 0.30,
    Kind.DRAFTING: 0.25,
    Kind.AUTOMATION: 0.50,
    Kind.HUMAN_REVIEW: 0.15,
    Kind.NOT_RECOMMENDED: 0.0,
}

# What the task's own words say it is (accents and case ignored, word starts).
NATURE_WORDS = {
    Kind.KNOWLEDGE_BASE: ["repond", "renseign", "informer", "information", "orient", "question", "accueil", "explique"],
    Kind.DRAFTING: ["redig", "redact", "courrier", "compte rendu", "compte-rendu", "note", "rapport", "deliberation",
                    "arrete", "convocation", "synthese", "proces-verbal", "article", "publication"],
    Kind.PROCEDURE: ["demande", "formulaire", "dossier", "inscription", "declaration",
                     "autorisation", "attestation", "ordre de mission", "conge", "reservation"],
}  # fmt: skip


@dataclass(frozen=True)
class TaskFigures:
    """What the référent says of a task (the CSV row's numbers)."""

    frequency_per_month: float
    minutes_per_occurrence: float
    repetitiveness: int  # 1–5
    digital_input: int  # 1–5
    personal_data: bool
    decision_about_people: bool
    title: str = ""


@dataclass(frozen=True)
class Opportunity:
    hours_per_year: float
    potential: float  # 0–1
    risk: Risk
    kind: Kind
    score: int  # 0–100
    saved_hours: float  # hours per year the recommendation may save (SAVED_SHARE)
    reasons: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def high_risk(self) -> bool:
        return self.risk is Risk.HIGH


def hours_per_year(frequency_per_month: float, minutes_per_occurrence: float) -> float:
    return frequency_per_month * 12 * minutes_per_occurrence / 60


def potential(repetitiveness: int, digital_input: int) -> float:
    """0 for a task done differently each time on paper, 1 for the same task on digital input."""
    return REPETITIVENESS_WEIGHT * (repetitiveness - 1) / 4 + DIGITAL_WEIGHT * (digital_input - 1) / 4


def risk(personal_data: bool, decision_about_people: bool) -> Risk:
    if decision_about_people:
        return Risk.HIGH
    return Risk.MODERATE if personal_data else Risk.LOW


def volume(hours: float) -> float:
    return min(1.0, math.log1p(max(hours, 0.0)) / math.log1p(FULL_HOURS))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def nature(title: str) -> tuple[Kind | None, str]:
    """The kind of help the task's wording points to, and the word that says so (first match wins)."""
    plain = _plain(title)
    for kind, words in NATURE_WORDS.items():
        for word in words:
            if re.search(rf"(?<![a-z]){re.escape(word)}", plain):
                return kind, word
    return None, ""


def _fmt(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u202f") if value >= 10 else f"{value:.1f}".replace(".", ",")


def _candidate(task: TaskFigures, reasons: list[str]) -> Kind:
    """The kind of help the task calls for, before the risk rules."""
    kind, word = nature(task.title)
    if kind is not None:
        reasons.append(f"l'intitulé (« {word} ») indique : {KIND_LABELS[kind].lower()}")
        return kind
    if task.repetitiveness >= 4 and task.digital_input >= 3:
        reasons.append("tâche très répétitive sur des données surtout numériques : automatisable dans l'outil métier")
        return Kind.AUTOMATION
    if task.digital_input <= 2:
        reasons.append("données surtout sur papier : une démarche guidée les recueille sous forme numérique")
        return Kind.PROCEDURE
    reasons.append(
        "tâche répétitive sur des données en partie numériques : un premier jet à relire fait gagner du temps"
    )
    return Kind.DRAFTING


def _apply_risk(kind: Kind, level: Risk, reasons: list[str]) -> Kind:
    if level is Risk.HIGH:
        reasons.append(
            "décision sur des personnes : usage à haut risque (règlement européen sur l'IA, charte de la commune) ; "
            "jamais d'automatisation, au plus une assistance dont un agent vérifie et décide"
        )
        return Kind.HUMAN_REVIEW
    if level is Risk.MODERATE and kind is Kind.AUTOMATION:
        reasons.append(
            "données personnelles : pas d'automatisation sans analyse d'impact (AIPD) avec le DPO ; "
            "une démarche guidée garde l'agent dans la boucle"
        )
        return Kind.PROCEDURE
    if level is Risk.MODERATE:
        reasons.append("données personnelles : à masquer ou minimiser, avis du DPO avant la mise en service")
    return kind


def assess(task: TaskFigures) -> Opportunity:
    hours = hours_per_year(task.frequency_per_month, task.minutes_per_occurrence)
    pot = potential(task.repetitiveness, task.digital_input)
    level = risk(task.personal_data, task.decision_about_people)
    reasons = [
        f"{_fmt(hours)} h par an ({_fmt(task.frequency_per_month)} fois par mois × {_fmt(task.minutes_per_occurrence)} "
        f"min) ; potentiel {pot:.0%} (répétitivité {task.repetitiveness}/5, données numériques {task.digital_input}/5)"
        .replace("%", "\u202f%")
    ]  # fmt: skip
    if hours < MIN_HOURS:
        reasons.append(f"moins de {MIN_HOURS:.0f} h par an : le gain ne justifie pas un chantier")
        kind = Kind.NOT_RECOMMENDED
    elif pot < MIN_POTENTIAL:
        reasons.append("tâche trop variée ou données trop peu numériques pour que l'IA aide vraiment")
        kind = Kind.NOT_RECOMMENDED
    else:
        kind = _apply_risk(_candidate(task, reasons), level, reasons)
    if kind is Kind.NOT_RECOMMENDED and level is Risk.HIGH:
        reasons.append("décision sur des personnes : usage à haut risque, signalé (règlement européen sur l'IA)")
    score = 0 if kind is Kind.NOT_RECOMMENDED else round(100 * pot * volume(hours) * RISK_FACTOR[level])
    return Opportunity(hours, pot, level, kind, score, hours * pot * SAVED_SHARE[kind], reasons)


def rank(items: list[tuple[object, Opportunity]]) -> list[tuple[object, Opportunity]]:
    """Best first: score, then hours at stake; ties keep their order."""
    return sorted(items, key=lambda item: (-item[1].score, -item[1].hours_per_year))
