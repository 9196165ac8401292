"""A guided procedure's definition: its fields, conditions and steps, as plain dataclasses.

A procedure is data, not code, so a référent can add one: a title, trigger phrasings, steps made of fields
(type, label, help, required, validation, a condition on another field), the service it goes to and, for a
request, the document produced and its approval route. The engine only reads definitions and values; the
Django app stores runs, routes them and renders their documents.

Values are kept JSON-ready: dates as ISO strings, times as « HH:MM », amounts as decimal strings, durations in
minutes, integers, booleans, a choice's value, a checklist step as « fait » / « echec ».
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from relais.engine.french.analysis import fold_for_comparison

FIELD_TYPES = {
    "texte": "text",
    "text": "text",
    "date": "date",
    "heure": "time",
    "time": "time",
    "duree": "duration",
    "duration": "duration",
    "montant": "amount",
    "amount": "amount",
    "nombre": "integer",
    "integer": "integer",
    "choix": "choice",
    "choice": "choice",
    "oui_non": "boolean",
    "boolean": "boolean",
    "etape": "step",
    "step": "step",
}
KINDS = ("demande", "checklist")
APPROVAL_STAGES = {"responsable": "Responsable hiérarchique", "service": "Service"}
PREFILLS = ("lieu", "debut", "fin", "choix")
STEP_DONE, STEP_FAILED = "fait", "echec"
YES_WORDS = {"oui", "o", "yes", "ok", "d'accord", "bien sur", "oui merci", "volontiers"}
NO_WORDS = {"non", "n", "no", "pas besoin", "non merci", "aucun", "aucune"}
STEP_FAILED_WORDS = {"echec", "ca ne marche pas", "ca ne fonctionne pas", "probleme", "bloque", "non"}
STEP_DONE_WORDS = {"fait", "c'est fait", "ok", "oui", "termine", "ca marche", "reussi"}
TEXT_MAX_LENGTH = 500
MAX_YEARS_AHEAD = 2  # a date further away is a typo (« 31/12/9999 »), and would make estimates loop for long
NARROW_SPACE = "\u202f"  # French thousands separator


class ProcedureError(ValueError):
    """A definition that cannot be used; the message is French, for the référent who wrote it."""


class InvalidAnswer(ValueError):
    """An answer that does not fit its field; the message is French, for the agent."""


def fold(text: str) -> str:
    """Lower case, no accents, straight apostrophes, single spaces: how answers and keywords are compared."""
    return " ".join(re.sub(r"[^\w' -]", " ", fold_for_comparison(text)).split())


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    keywords: tuple[str, ...] = ()  # words in a question that pick this choice when pre-filling


@dataclass(frozen=True)
class Condition:
    """The field is asked only when another field has one of these values."""

    field: str
    values: tuple[Any, ...]

    def holds(self, values: Mapping[str, Any]) -> bool:
        return self.field in values and values[self.field] in self.values


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    label: str  # short, for the summary and the document: « Date de départ »
    question: str  # what the chat asks: « Quel jour partez-vous ? »
    help: str = ""
    required: bool = True
    choices: tuple[Choice, ...] = ()
    when: Condition | None = None
    prefill: str = ""  # lieu | debut | fin | choix: what a first question may already say
    not_past: bool = False  # a date (or the date of a time) may not be before today
    after: str = ""  # must not be before this other field (same type)
    on: str = ""  # for a time: the date field it belongs to, to compare moments across days
    minimum: Decimal | None = None
    maximum: Decimal | None = None

    def choice_label(self, value: Any) -> str:
        return next((c.label for c in self.choices if c.value == value), str(value))


@dataclass(frozen=True)
class Step:
    title: str
    fields: tuple[FieldSpec, ...]
    help: str = ""


@dataclass(frozen=True)
class ProcedureDefinition:
    slug: str
    title: str
    service: str
    version: str
    kind: str  # demande: summary, document and approval route | checklist: steps, a ticket when one fails
    description: str
    triggers: tuple[str, ...]
    steps: tuple[Step, ...]
    keywords: tuple[str, ...] = ()  # folded; when set, a question must contain one to be offered the procedure
    document_title: str = ""
    reference_prefix: str = ""
    approval: tuple[str, ...] = ()  # stages in order: « responsable », « service »
    calculator: str = ""  # a named cost estimate (frais_de_mission), fed by `rates`
    rates: Mapping[str, Any] = field(default_factory=dict)
    rates_source: str = ""  # the document the rates come from, cited under the estimate
    minutes_saved: float = 0.0  # staff time one completed run saves, for the 15 % measurement
    data: Mapping[str, Any] = field(default_factory=dict)  # the definition as written, kept with each run

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        return tuple(f for step in self.steps for f in step.fields)

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)
