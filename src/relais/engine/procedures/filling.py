"""Filling a procedure: the next question, parsing and checking each answer typed in French, pre-filling
from the question that started it, and how each value is displayed."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from relais.engine.french.values import (
    find_period,
    find_place,
    format_date,
    parse_amount,
    parse_date,
    parse_duration,
    parse_integer,
    parse_time,
)
from relais.engine.privacy.pii import NEVER_STORED, guard_free_text
from relais.engine.procedures.definition import (
    MAX_YEARS_AHEAD,
    NARROW_SPACE,
    NO_WORDS,
    STEP_DONE,
    STEP_DONE_WORDS,
    STEP_FAILED,
    STEP_FAILED_WORDS,
    TEXT_MAX_LENGTH,
    YES_WORDS,
    FieldSpec,
    InvalidAnswer,
    ProcedureDefinition,
    Step,
    fold,
)

# --------------------------------------------------------------------------------------------------
# Answers
# --------------------------------------------------------------------------------------------------


def active_fields(procedure: ProcedureDefinition, values: Mapping[str, Any]) -> list[FieldSpec]:
    """The fields that apply given the answers so far (a condition on an unanswered field is not met)."""
    return [spec for spec in procedure.fields if spec.when is None or spec.when.holds(values)]


def next_field(procedure: ProcedureDefinition, values: Mapping[str, Any]) -> FieldSpec | None:
    """The first applicable field not answered yet (a skipped optional field is answered with None)."""
    return next((spec for spec in active_fields(procedure, values) if spec.name not in values), None)


def applicable_values(procedure: ProcedureDefinition, values: Mapping[str, Any]) -> dict[str, Any]:
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
        raise InvalidAnswer(f"La valeur doit être d'au moins {plain_number(spec.minimum)}{unit}.")
    if spec.maximum is not None and number > spec.maximum:
        raise InvalidAnswer(f"La valeur ne peut pas dépasser {plain_number(spec.maximum)}{unit}.")


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
        # Stored as typed, less what no procedure field ever needs (NIR, bank details, passwords, health:
        # ``NEVER_STORED``). A name, a destination or its address, a phone to reach the agent are what some
        # fields ask for, and are kept; dates and amounts have their own types and are never masked.
        return guard_free_text(raw, NEVER_STORED)[0]
    if spec.type == "date":
        value = parse_date(raw, today)
        if value is None:
            raise InvalidAnswer("Date non reconnue : écrivez-la par exemple « 12/03/2027 » ou « 12 mars ».")
        if value > today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28)):
            raise InvalidAnswer(f"Cette date est trop lointaine ({format_date(value)}) : vérifiez l'année.")
        return value.isoformat()
    if spec.type == "time":
        moment = parse_time(raw)
        if moment is None:
            raise InvalidAnswer("Heure non reconnue : écrivez-la par exemple « 8 h 30 » ou « 17:45 ».")
        return moment.strftime("%H:%M")
    if spec.type == "duration":
        duration = parse_duration(raw)
        if duration is None:
            raise InvalidAnswer("Durée non reconnue : écrivez-la par exemple « 2 jours » ou « 3 h 30 ».")
        minutes = int(duration.total_seconds() // 60)
        _bounded(spec, Decimal(minutes), " minutes")
        return minutes
    if spec.type == "amount":
        amount = parse_amount(raw)
        if amount is None:
            raise InvalidAnswer("Montant non reconnu : écrivez-le en euros, par exemple « 120 » ou « 45,50 € ».")
        _bounded(spec, amount, " €")
        return str(amount.quantize(Decimal("0.01")))
    if spec.type == "integer":
        number = parse_integer(raw)
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


def check_field(procedure: ProcedureDefinition, spec: FieldSpec, values: Mapping[str, Any], today: date) -> str | None:
    """The French error for a stored value against the others (past date, return before departure), or None."""
    value = values.get(spec.name)
    if value is None:
        return "Cette information est obligatoire." if spec.required else None
    if spec.not_past and spec.type == "date" and date.fromisoformat(value) < today:
        return f"Cette date est passée ({format_date(date.fromisoformat(value))}) : indiquez une date à venir."
    if spec.after and values.get(spec.after) is not None:
        other = procedure.field(spec.after)
        mine, theirs = _moment(spec, values), _moment(other, values)
        # A return at the very moment of the departure is no mission: times must be strictly later.
        if mine and theirs and (mine < theirs or (spec.type == "time" and mine == theirs)):
            shown = display(other, values[other.name])
            if spec.type == "time" and spec.on and other.on and mine[0] != theirs[0]:
                # Different days: the days decide, never the hours (19 h 30 is not « before » 7 h 15).
                if _days_ruled(procedure, spec, other):
                    return None  # the date field says it, naming the dates
                return (
                    f"« {spec.label} » ({_on_day(spec, values)}) doit être après « {other.label} » "
                    f"({_on_day(other, values)})."
                )
            if spec.type == "time":
                return f"« {spec.label} » ({display(spec, value)}) doit être après « {other.label} » ({shown})."
            return f"« {spec.label} » ne peut pas être avant « {other.label} » ({shown})."
    return None


def _days_ruled(procedure: ProcedureDefinition, spec: FieldSpec, other: FieldSpec) -> bool:
    """Whether the date of `spec` is itself checked against the date of `other` (one error, on the dates)."""
    return bool(spec.on and other.on and procedure.field(spec.on).after == other.on)


def _on_day(spec: FieldSpec, values: Mapping[str, Any]) -> str:
    """« le jeudi 5 mars 2027 à 7 h 15 »: a time with the day it belongs to."""
    return f"le {format_date(date.fromisoformat(values[spec.on]))} à {display(spec, values[spec.name])}"


def errors(procedure: ProcedureDefinition, values: Mapping[str, Any], today: date) -> dict[str, str]:
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


def answer(procedure: ProcedureDefinition, spec: FieldSpec, raw: str, values: Mapping[str, Any], today: date) -> dict:
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


def prefill(procedure: ProcedureDefinition, question: str, today: date) -> dict[str, Any]:
    """What the question already says (destination, dates, purpose), as stored values; checks come later."""
    values: dict[str, Any] = {}
    period = find_period(question, today)
    place = find_place(question)
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


def plain_number(value: Decimal) -> str:
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
        return format_date(date.fromisoformat(value))
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


def summary(
    procedure: ProcedureDefinition, values: Mapping[str, Any]
) -> list[tuple[Step, list[tuple[FieldSpec, str]]]]:
    """The answers that apply, step by step, each displayed in French."""
    active = {spec.name for spec in active_fields(procedure, values)}
    rows = []
    for step in procedure.steps:
        shown = [(spec, display(spec, values.get(spec.name))) for spec in step.fields if spec.name in active]
        if shown:
            rows.append((step, shown))
    return rows


def failed_step(procedure: ProcedureDefinition, values: Mapping[str, Any]) -> FieldSpec | None:
    """The first checklist step the agent could not complete."""
    return next((s for s in procedure.fields if s.type == "step" and values.get(s.name) == STEP_FAILED), None)
