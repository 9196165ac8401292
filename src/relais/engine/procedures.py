"""Guided procedures: a declarative definition (YAML or admin), its fields, their validation and pre-filling.

A procedure is data, not code, so a référent can add one: a title, trigger phrasings, steps made of fields
(type, label, help, required, validation, a condition on another field), the service it goes to and, for a
request, the document produced and its approval route. This module only reads definitions and values; the
Django app stores runs, routes them and renders their documents.

Values are kept JSON-ready: dates as ISO strings, times as « HH:MM », amounts as decimal strings, durations in
minutes, integers, booleans, a choice's value, a checklist step as « fait » / « echec ».
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import yaml

from relais.engine import french_values as fv

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
    text = text.replace("’", "'").replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^\w' -]", " ", text.lower()).split())


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
class Procedure:
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


# --------------------------------------------------------------------------------------------------
# Reading a definition
# --------------------------------------------------------------------------------------------------


def parse_yaml(text: str) -> Procedure:
    try:  # libyaml's C parser when available: several times faster than the pure-Python one
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (ligne {where.line + 1})" if where is not None else ""
        # French typography puts « : » inside sentences, which YAML reads as a new key: say so.
        raise ProcedureError(
            f"Le texte de la démarche n'est pas du YAML valide{line}. Vérifiez l'indentation, et mettez entre "
            "guillemets tout texte qui contient « : » (deux-points suivi d'un espace)."
        ) from exc
    if not isinstance(data, dict):
        raise ProcedureError("La démarche doit être décrite par des clés (titre, service, etapes…).")
    return load_procedure(data)


def _text(data: Mapping, key: str, where: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ProcedureError(f"{where} : la clé « {key} » est obligatoire.")
        return ""
    if not isinstance(value, str | int | float):
        raise ProcedureError(f"{where} : « {key} » doit être un texte.")
    return str(value).strip()


def _decimal(value: Any, where: str, key: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except ArithmeticError as exc:
        raise ProcedureError(f"{where} : « {key} » doit être un nombre.") from exc


def _choices(raw: Any, where: str) -> tuple[Choice, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProcedureError(f"{where} : un champ « choix » a besoin d'une liste « choix ».")
    choices = []
    for item in raw:
        if isinstance(item, str):
            choices.append(Choice(fold(item).replace(" ", "_"), item))
        elif isinstance(item, dict) and "valeur" in item:
            keywords = tuple(fold(str(k)) for k in item.get("mots_cles", []) or [])
            choices.append(Choice(str(item["valeur"]), str(item.get("libelle", item["valeur"])), keywords))
        else:
            raise ProcedureError(f"{where} : chaque choix est un texte ou a une « valeur » et un « libelle ».")
    values = [choice.value for choice in choices]
    if len(set(values)) != len(values):
        raise ProcedureError(f"{where} : deux choix ont la même valeur.")
    return tuple(choices)


def _condition(raw: Any, where: str) -> Condition | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or len(raw) != 1:
        raise ProcedureError(f"{where} : « si » s'écrit « si: {{autre_champ: valeur}} » ou avec une liste de valeurs.")
    ((name, values),) = raw.items()
    values = tuple(values) if isinstance(values, list) else (values,)
    return Condition(str(name), values)


def _field(raw: Any, where: str) -> FieldSpec:
    if not isinstance(raw, dict):
        raise ProcedureError(f"{where} : un champ est décrit par des clés (nom, type, libelle…).")
    name = _text(raw, "nom", where)
    where = f"{where}, champ « {name} »"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ProcedureError(f"{where} : le nom s'écrit en minuscules sans accent ni espace (ex. date_depart).")
    type_name = fold(_text(raw, "type", where)).replace(" ", "_")
    if type_name not in FIELD_TYPES:
        known = "texte, date, heure, duree, montant, nombre, choix, oui_non, etape"
        raise ProcedureError(f"{where} : type « {raw['type']} » inconnu (types possibles : {known}).")
    kind = FIELD_TYPES[type_name]
    label = _text(raw, "libelle", where)
    prefill = _text(raw, "preremplir", where, required=False)
    if prefill and prefill not in PREFILLS:
        raise ProcedureError(f"{where} : « preremplir » vaut {', '.join(PREFILLS)}.")
    expected = {"lieu": "text", "debut": "date", "fin": "date", "choix": "choice"}.get(prefill)
    if expected and FIELD_TYPES[type_name] != expected:
        kinds = {"text": "texte", "date": "date", "choice": "choix"}
        raise ProcedureError(f"{where} : « preremplir: {prefill} » s'applique à un champ de type {kinds[expected]}.")
    return FieldSpec(
        name=name,
        type=kind,
        label=label,
        question=_text(raw, "question", where, required=False) or label,
        help=_text(raw, "aide", where, required=False),
        required=bool(raw.get("obligatoire", True)),
        choices=_choices(raw.get("choix"), where) if kind == "choice" else (),
        when=_condition(raw.get("si"), where),
        prefill=prefill,
        not_past=bool(raw.get("pas_dans_le_passe", False)),
        after=_text(raw, "apres", where, required=False),
        on=_text(raw, "le", where, required=False),
        minimum=_decimal(raw.get("min"), where, "min"),
        maximum=_decimal(raw.get("max"), where, "max"),
    )


def _steps(raw: Any) -> tuple[Step, ...]:
    if not isinstance(raw, list) or not raw:
        raise ProcedureError("La démarche a besoin d'une liste « etapes », chacune avec un titre et des champs.")
    steps = []
    for number, item in enumerate(raw, start=1):
        where = f"Étape {number}"
        if not isinstance(item, dict):
            raise ProcedureError(f"{where} : une étape a un « titre » et une liste « champs ».")
        fields = item.get("champs")
        if not isinstance(fields, list) or not fields:
            raise ProcedureError(f"{where} : la liste « champs » est vide ou absente.")
        title = _text(item, "titre", where)
        steps.append(Step(title, tuple(_field(f, where) for f in fields), _text(item, "aide", where, required=False)))
    return tuple(steps)


def _check_references(procedure: Procedure) -> None:
    """Conditions and comparisons must name fields defined earlier, of a comparable type."""
    seen: dict[str, FieldSpec] = {}
    for spec in procedure.fields:
        where = f"Champ « {spec.name} »"
        if spec.name in seen:
            raise ProcedureError(f"{where} : ce nom est utilisé deux fois.")
        for key, other in (("si", spec.when.field if spec.when else ""), ("apres", spec.after), ("le", spec.on)):
            if other and other not in seen:
                raise ProcedureError(f"{where} : « {key} » renvoie à « {other} », qui n'est pas un champ précédent.")
        if spec.when:
            target = seen[spec.when.field]
            allowed = {c.value for c in target.choices} if target.type == "choice" else None
            if target.type == "boolean":
                allowed = {True, False}
            if target.type not in {"choice", "boolean"}:
                raise ProcedureError(f"{where} : « si » porte sur un champ « choix » ou « oui_non ».")
            if not set(spec.when.values) <= allowed:
                names = " ; ".join(str(v).lower() for v in sorted(allowed, key=str))
                raise ProcedureError(f"{where} : « si » attend une valeur de « {target.name} » parmi : {names}.")
        if spec.after:
            other = seen[spec.after]
            if other.type != spec.type or spec.type not in {"date", "time"}:
                raise ProcedureError(f"{where} : « apres » compare deux champs date, ou deux champs heure.")
            if spec.type == "time" and bool(spec.on) != bool(other.on):
                raise ProcedureError(f"{where} : « le » doit être donné aux deux heures comparées, ou à aucune.")
        if spec.on and seen[spec.on].type != "date":
            raise ProcedureError(f"{where} : « le » renvoie à un champ de type date.")
        if spec.type == "step" and procedure.kind != "checklist":
            raise ProcedureError(f"{where} : les champs « etape » sont réservés aux démarches de type checklist.")
        seen[spec.name] = spec


def _keywords(raw: Any) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(k, str) and k.strip() for k in raw):
        raise ProcedureError(
            "Démarche : « mots_cles » est une liste de mots ou d'expressions (ex. [ordre de mission])."
        )
    return tuple(fold(k) for k in raw)


def mentions(procedure: Procedure, question: str) -> bool:
    """Whether the question names the procedure's subject (always true for a procedure without keywords).

    Embeddings alone confuse « comment demander une formation ? » (information) with « il me faut un ordre de
    mission pour une formation » (a request to make): a keyword of the procedure's subject must be there too.
    """
    if not procedure.keywords:
        return True
    words = f" {fold(question)} "
    return any(f" {keyword} " in words for keyword in procedure.keywords)


def load_procedure(data: Mapping[str, Any]) -> Procedure:
    where = "Démarche"
    slug = _text(data, "code", where)
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        raise ProcedureError("Démarche : le « code » s'écrit en minuscules, chiffres et tirets (ex. ordre-de-mission).")
    title, service = _text(data, "titre", where), _text(data, "service", where)
    kind = _text(data, "type", where, required=False) or "demande"
    if kind not in KINDS:
        raise ProcedureError(f"Démarche : « type » vaut {' ou '.join(KINDS)}.")
    triggers = data.get("declencheurs") or []
    if not isinstance(triggers, list) or not all(isinstance(t, str) and t.strip() for t in triggers) or not triggers:
        raise ProcedureError("Démarche : « declencheurs » est une liste de phrases d'agents qui lancent la démarche.")
    approval = data.get("validation") or []
    if not isinstance(approval, list) or any(stage not in APPROVAL_STAGES for stage in approval):
        raise ProcedureError("Démarche : « validation » est une liste d'étapes parmi « responsable » et « service ».")
    document = data.get("document") or {}
    if not isinstance(document, dict):
        raise ProcedureError("Démarche : « document » a un « titre » et un « prefixe » de référence.")
    prefix = str(document.get("prefixe", "") or "DEM").strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{1,12}", prefix):
        raise ProcedureError("Démarche : le « prefixe » du document s'écrit en 1 à 12 lettres ou chiffres (ex. OM).")
    try:  # each run keeps the definition as JSON: a bare YAML date (2026-01-01) would not fit
        json.dumps(dict(data))
    except TypeError as exc:
        raise ProcedureError('Démarche : mettez les dates entre guillemets (ex. "2026-01-01").') from exc
    procedure = Procedure(
        slug=slug,
        title=title,
        service=service,
        version=_text(data, "version", where, required=False) or "1",
        kind=kind,
        description=_text(data, "description", where, required=False),
        triggers=tuple(t.strip() for t in triggers),
        steps=_steps(data.get("etapes")),
        keywords=_keywords(data.get("mots_cles")),
        document_title=str(document.get("titre", "")).strip() or title,
        reference_prefix=prefix,
        approval=tuple(approval),
        calculator=_text(data, "estimation", where, required=False),
        rates=data.get("baremes") or {},
        rates_source=_text(data, "source_baremes", where, required=False),
        minutes_saved=float(_decimal(data.get("minutes_economisees", 0), where, "minutes_economisees") or 0),
        data=dict(data),
    )
    _check_references(procedure)
    if procedure.calculator:
        calculator = CALCULATORS.get(procedure.calculator)
        if calculator is None:
            raise ProcedureError(
                f"Démarche : estimation « {procedure.calculator} » inconnue ({', '.join(CALCULATORS)})."
            )
        calculator.check(procedure)
    return procedure


# --------------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------------


def active_fields(procedure: Procedure, values: Mapping[str, Any]) -> list[FieldSpec]:
    """The fields that apply given the answers so far (a condition on an unanswered field is not met)."""
    return [spec for spec in procedure.fields if spec.when is None or spec.when.holds(values)]


def next_field(procedure: Procedure, values: Mapping[str, Any]) -> FieldSpec | None:
    """The first applicable field not answered yet (a skipped optional field is answered with None)."""
    return next((spec for spec in active_fields(procedure, values) if spec.name not in values), None)


def applicable_values(procedure: Procedure, values: Mapping[str, Any]) -> dict[str, Any]:
    """The answers of the fields that still apply (a changed choice drops the answers it no longer asks for).

    Repeated until stable: dropping an answer may in turn switch off a field that depended on it.
    """
    current = dict(values)
    while True:
        names = {spec.name for spec in active_fields(procedure, current)}
        kept = {name: value for name, value in current.items() if name in names}
        if kept == current:
            return kept
        current = kept


def _bounded(spec: FieldSpec, number: Decimal, unit: str = "") -> None:
    if spec.minimum is not None and number < spec.minimum:
        raise InvalidAnswer(f"La valeur doit être d'au moins {_number(spec.minimum)}{unit}.")
    if spec.maximum is not None and number > spec.maximum:
        raise InvalidAnswer(f"La valeur ne peut pas dépasser {_number(spec.maximum)}{unit}.")


def _yes_no(raw: str) -> bool:
    answer = fold(raw)
    if answer in YES_WORDS:
        return True
    if answer in NO_WORDS:
        return False
    raise InvalidAnswer("Répondez par « oui » ou par « non ».")


def _choice(spec: FieldSpec, raw: str) -> str:
    answer = fold(raw)
    for number, choice in enumerate(spec.choices, start=1):
        if answer in {fold(choice.value), fold(choice.label), str(number)}:
            return choice.value
    labels = " ; ".join(f"« {c.label} »" for c in spec.choices)
    raise InvalidAnswer(f"Choisissez une des réponses proposées : {labels}.")


def _step(raw: str) -> str:
    answer = fold(raw)
    if answer in STEP_DONE_WORDS or answer == STEP_DONE:
        return STEP_DONE
    if answer in STEP_FAILED_WORDS or answer == STEP_FAILED:
        return STEP_FAILED
    raise InvalidAnswer("Indiquez si l'étape est faite ou si elle ne fonctionne pas.")


def parse_answer(spec: FieldSpec, raw: str, today: date) -> Any:
    """The stored value of one typed answer, or InvalidAnswer with a French message; None skips an optional field."""
    raw = " ".join((raw or "").split())
    if not raw:
        if spec.required:
            raise InvalidAnswer("Cette information est obligatoire.")
        return None
    if spec.type == "text":
        if len(raw) > TEXT_MAX_LENGTH:
            raise InvalidAnswer(f"La réponse est trop longue ({len(raw)} caractères, {TEXT_MAX_LENGTH} au plus).")
        return raw
    if spec.type == "date":
        value = fv.parse_date(raw, today)
        if value is None:
            raise InvalidAnswer("Date non reconnue : écrivez-la par exemple « 12/03/2027 » ou « 12 mars ».")
        if value > today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28)):
            raise InvalidAnswer(f"Cette date est trop lointaine ({fv.format_date(value)}) : vérifiez l'année.")
        return value.isoformat()
    if spec.type == "time":
        moment = fv.parse_time(raw)
        if moment is None:
            raise InvalidAnswer("Heure non reconnue : écrivez-la par exemple « 8 h 30 » ou « 17:45 ».")
        return moment.strftime("%H:%M")
    if spec.type == "duration":
        duration = fv.parse_duration(raw)
        if duration is None:
            raise InvalidAnswer("Durée non reconnue : écrivez-la par exemple « 2 jours » ou « 3 h 30 ».")
        minutes = int(duration.total_seconds() // 60)
        _bounded(spec, Decimal(minutes), " minutes")
        return minutes
    if spec.type == "amount":
        amount = fv.parse_amount(raw)
        if amount is None:
            raise InvalidAnswer("Montant non reconnu : écrivez-le en euros, par exemple « 120 » ou « 45,50 € ».")
        _bounded(spec, amount, " €")
        return str(amount.quantize(Decimal("0.01")))
    if spec.type == "integer":
        number = fv.parse_integer(raw)
        if number is None:
            raise InvalidAnswer("Nombre non reconnu : écrivez-le en chiffres, par exemple « 5 ».")
        _bounded(spec, Decimal(number))
        return number
    if spec.type == "choice":
        return _choice(spec, raw)
    if spec.type == "boolean":
        return _yes_no(raw)
    return _step(raw)


def _moment(spec: FieldSpec, values: Mapping[str, Any]) -> tuple[str, str] | None:
    """(date, time) of a time field tied to a date field, so « 9 h » on day 2 is after « 17 h » on day 1."""
    value = values.get(spec.name)
    if value is None:
        return None
    if spec.type == "time" and spec.on:
        day = values.get(spec.on)
        return (day, value) if day else None
    return ("", value)


def check_field(procedure: Procedure, spec: FieldSpec, values: Mapping[str, Any], today: date) -> str | None:
    """The French error for a stored value against the others (past date, return before departure), or None."""
    value = values.get(spec.name)
    if value is None:
        return "Cette information est obligatoire." if spec.required else None
    if spec.not_past and spec.type == "date" and date.fromisoformat(value) < today:
        return f"Cette date est passée ({fv.format_date(date.fromisoformat(value))}) : indiquez une date à venir."
    if spec.after and values.get(spec.after) is not None:
        other = procedure.field(spec.after)
        mine, theirs = _moment(spec, values), _moment(other, values)
        # A return at the very moment of the departure is no mission: times must be strictly later.
        if mine and theirs and (mine < theirs or (spec.type == "time" and mine == theirs)):
            shown = display(other, values[other.name])
            if spec.type == "time":
                return f"« {spec.label} » doit être après « {other.label} » ({shown})."
            return f"« {spec.label} » ne peut pas être avant « {other.label} » ({shown})."
    return None


def errors(procedure: Procedure, values: Mapping[str, Any], today: date) -> dict[str, str]:
    """Every problem in a run's answers, by field: what the summary shows before the agent can confirm."""
    found = {}
    for spec in active_fields(procedure, values):
        if spec.name not in values:
            if spec.required:
                found[spec.name] = "Cette information manque."
            continue
        problem = check_field(procedure, spec, values, today)
        if problem:
            found[spec.name] = problem
    return found


def answer(procedure: Procedure, spec: FieldSpec, raw: str, values: Mapping[str, Any], today: date) -> dict:
    """The run's values with this answer, or InvalidAnswer: parsing then the checks against the other answers."""
    value = parse_answer(spec, raw, today)
    updated = {**values, spec.name: value}
    problem = check_field(procedure, spec, updated, today)
    if problem:
        raise InvalidAnswer(problem)
    return applicable_values(procedure, updated)


# --------------------------------------------------------------------------------------------------
# Pre-filling from the question that started the procedure
# --------------------------------------------------------------------------------------------------


def _prefilled_choice(spec: FieldSpec, question: str) -> str | None:
    words = f" {fold(question)} "
    for choice in spec.choices:
        for keyword in choice.keywords or (fold(choice.label),):
            if f" {keyword} " in words:
                return choice.value
    return None


def prefill(procedure: Procedure, question: str, today: date) -> dict[str, Any]:
    """What the question already says (destination, dates, purpose), as stored values; checks come later."""
    values: dict[str, Any] = {}
    period = fv.find_period(question, today)
    place = fv.find_place(question)
    for spec in procedure.fields:
        value: Any = None
        if spec.prefill == "lieu" and place and spec.type == "text":
            value = place
        elif spec.prefill == "debut" and period and spec.type == "date":
            value = period.start.isoformat()
        elif spec.prefill == "fin" and period and spec.type == "date":
            value = period.end.isoformat()
        elif spec.prefill == "choix" and spec.type == "choice":
            value = _prefilled_choice(spec, question)
        if value is not None:
            values[spec.name] = value
    return applicable_values(procedure, values)


# --------------------------------------------------------------------------------------------------
# Display
# --------------------------------------------------------------------------------------------------


def _number(value: Decimal) -> str:
    text = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    return text.replace(",", NARROW_SPACE).replace(".", ",")


def euros(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01'), ROUND_HALF_UP):,.2f}"
    return f"{text.replace(',', NARROW_SPACE).replace('.', ',')} €"


def display(spec: FieldSpec, value: Any) -> str:
    """A stored value as the agent reads it, in French."""
    if value is None:
        return "—"
    if spec.type == "date":
        return fv.format_date(date.fromisoformat(value))
    if spec.type == "time":
        hours, minutes = value.split(":")
        return f"{int(hours)} h {minutes}" if minutes != "00" else f"{int(hours)} h"
    if spec.type == "amount":
        return euros(Decimal(value))
    if spec.type == "duration":
        # Whole days read « 2 jours »; anything else in hours (« 51 h 30 »), a form the agent can type back.
        days, rest = divmod(int(value), 24 * 60)
        if days and not rest:
            return f"{days} jour{'s' if days > 1 else ''}"
        hours, minutes = divmod(int(value), 60)
        return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"
    if spec.type == "choice":
        return spec.choice_label(value)
    if spec.type == "boolean":
        return "Oui" if value else "Non"
    if spec.type == "step":
        return "Fait" if value == STEP_DONE else "Ne fonctionne pas"
    return str(value)


def summary(procedure: Procedure, values: Mapping[str, Any]) -> list[tuple[Step, list[tuple[FieldSpec, str]]]]:
    """The answers that apply, step by step, each displayed in French."""
    active = {spec.name for spec in active_fields(procedure, values)}
    rows = []
    for step in procedure.steps:
        shown = [(spec, display(spec, values.get(spec.name))) for spec in step.fields if spec.name in active]
        if shown:
            rows.append((step, shown))
    return rows


def failed_step(procedure: Procedure, values: Mapping[str, Any]) -> FieldSpec | None:
    """The first checklist step the agent could not complete."""
    return next((s for s in procedure.fields if s.type == "step" and values.get(s.name) == STEP_FAILED), None)


# --------------------------------------------------------------------------------------------------
# Cost estimates
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostLine:
    label: str
    detail: str
    amount: Decimal


@dataclass(frozen=True)
class Estimate:
    lines: tuple[CostLine, ...]
    source: str  # the document the rates come from

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))


def _in_mission(start: datetime, end: datetime, day: date, begin: time, finish: time) -> bool:
    return start <= datetime.combine(day, begin) and datetime.combine(day, finish) <= end


class MissionCosts:
    """Estimated costs of an ordre de mission from the national rates (the barème the procedure cites).

    Meals: the mission covers 11 h–14 h (lunch) or 18 h–21 h (dinner) that day; nights: it covers 0 h–5 h.
    A personal car is paid per kilometre by fiscal power and annual tranche (up to 2 000 km, to 10 000 km,
    beyond), starting from the kilometres already driven for work this calendar year: a trip that crosses a
    threshold is paid at each tranche's rate. Train tickets are booked by the town: an estimate only if the agent
    gives one.
    """

    tranches = (2000, 10000)  # annual kilometres where the rate changes

    needs = ("date_depart", "heure_depart", "date_retour", "heure_retour", "transport")
    rate_keys = ("repas", "nuitee", "kilometre")

    def check(self, procedure: Procedure) -> None:
        names = {spec.name for spec in procedure.fields}
        missing = [name for name in self.needs if name not in names]
        if missing:
            raise ProcedureError(
                f"Démarche : l'estimation « frais_de_mission » a besoin des champs {', '.join(missing)}."
            )
        absent = [key for key in self.rate_keys if key not in procedure.rates]
        if absent:
            raise ProcedureError(f"Démarche : « baremes » doit donner {', '.join(absent)}.")
        self._check_rates(procedure.rates)
        # Every choice the agent can make must have its rate, or the estimate would fail mid-way.
        for name, table in (("puissance_fiscale", "kilometre"), ("zone_hebergement", "nuitee")):
            if name in names and procedure.field(name).type == "choice":
                missing = [c.value for c in procedure.field(name).choices if c.value not in procedure.rates[table]]
                if missing:
                    raise ProcedureError(f"Démarche : « baremes.{table} » n'a pas de taux pour {', '.join(missing)}.")

    def _check_rates(self, rates: Mapping[str, Any]) -> None:
        """Numbers everywhere, three per fiscal power: a wrong barème must fail here, not on an agent's summary."""

        def number(value: Any) -> bool:
            return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0

        nights, kilometres = rates["nuitee"], rates["kilometre"]
        if not number(rates["repas"]) or not isinstance(nights, dict) or not all(map(number, nights.values())):
            raise ProcedureError(
                "Démarche : « baremes.repas » et les « baremes.nuitee » sont des montants (ex. 20.00)."
            )
        if not isinstance(kilometres, dict) or not all(
            isinstance(t, list) and len(t) == 3 and all(map(number, t)) for t in kilometres.values()
        ):
            raise ProcedureError(
                "Démarche : chaque « baremes.kilometre » donne trois taux : jusqu'à 2 000 km, "
                "de 2 001 à 10 000 km, au-delà (ex. [0.32, 0.40, 0.23])."
            )

    def estimate(self, procedure: Procedure, values: Mapping[str, Any]) -> Estimate | None:
        if any(values.get(name) is None for name in self.needs):
            return None
        start = datetime.combine(date.fromisoformat(values["date_depart"]), time.fromisoformat(values["heure_depart"]))
        end = datetime.combine(date.fromisoformat(values["date_retour"]), time.fromisoformat(values["heure_retour"]))
        if end <= start:
            return None
        rates = procedure.rates
        days = [start.date() + timedelta(days=n) for n in range((end.date() - start.date()).days + 1)]
        lines = []
        meals = sum(
            _in_mission(start, end, d, time(11), time(14)) + _in_mission(start, end, d, time(18), time(21))
            for d in days
        )
        if meals and not values.get("repas_fournis"):
            rate = Decimal(str(rates["repas"]))
            lines.append(CostLine("Repas", f"{meals} × {euros(rate)}", meals * rate))
        nights = sum(_in_mission(start, end, d, time(0), time(5)) for d in days)  # the night ending on day d
        if nights and values.get("hebergement") == "hotel":
            zone = values.get("zone_hebergement") or "standard"
            rate = Decimal(str(rates["nuitee"][zone]))
            lines.append(
                CostLine(
                    "Hébergement", f"{nights} nuitée{'s' if nights > 1 else ''} × {euros(rate)} au plus", nights * rate
                )
            )
        lines.extend(self._transport(values, rates))
        return Estimate(tuple(lines), procedure.rates_source)

    def _transport(self, values: Mapping[str, Any], rates: Mapping[str, Any]) -> list[CostLine]:
        if (
            values.get("transport") == "vehicule_personnel"
            and values.get("distance_km")
            and values.get("puissance_fiscale")
        ):
            table = [Decimal(str(rate)) for rate in rates["kilometre"][values["puissance_fiscale"]]]
            driven, km = int(values.get("km_annee") or 0), int(values["distance_km"])
            parts = self._split(driven, km)
            amount = sum((count * table[tranche] for tranche, count in parts), Decimal("0"))
            detail = " + ".join(f"{count} km × {_number(table[tranche])} €/km" for tranche, count in parts)
            return [CostLine("Indemnités kilométriques", detail, amount)]
        if values.get("transport") == "train" and values.get("cout_train"):
            return [
                CostLine(
                    "Train (estimation de l'agent)", "billets réservés par la commune", Decimal(values["cout_train"])
                )
            ]
        return []

    def _split(self, driven: int, km: int) -> list[tuple[int, int]]:
        """The trip's kilometres per tranche (index 0, 1, 2), from the kilometres already driven this year."""
        parts, position, left = [], driven, km
        for tranche, limit in enumerate([*self.tranches, None]):
            if left <= 0:
                break
            room = left if limit is None else max(0, limit - position)
            count = min(left, room)
            if count:
                parts.append((tranche, count))
                position, left = position + count, left - count
        return parts


CALCULATORS: dict[str, MissionCosts] = {"frais_de_mission": MissionCosts()}


def estimate(procedure: Procedure, values: Mapping[str, Any]) -> Estimate | None:
    calculator = CALCULATORS.get(procedure.calculator)
    return calculator.estimate(procedure, values) if calculator else None
