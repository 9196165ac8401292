"""Reading a definition from YAML (or the admin's data) and checking it; French errors for référents."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import yaml

from relais.engine.procedures.definition import (
    APPROVAL_STAGES,
    FIELD_TYPES,
    KINDS,
    PREFILLS,
    Choice,
    Condition,
    FieldSpec,
    ProcedureDefinition,
    ProcedureError,
    Step,
    fold,
)
from relais.engine.procedures.mission_costs import CALCULATORS

# --------------------------------------------------------------------------------------------------
# Reading a definition
# --------------------------------------------------------------------------------------------------


def parse_yaml(text: str) -> ProcedureDefinition:
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


def _check_references(procedure: ProcedureDefinition) -> None:
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


def mentions(procedure: ProcedureDefinition, question: str) -> bool:
    """Whether the question names the procedure's subject (always true for a procedure without keywords).

    Embeddings alone confuse « comment demander une formation ? » (information) with « il me faut un ordre de
    mission pour une formation » (a request to make): a keyword of the procedure's subject must be there too.
    """
    if not procedure.keywords:
        return True
    words = f" {fold(question)} "
    return any(f" {keyword} " in words for keyword in procedure.keywords)


def load_procedure(data: Mapping[str, Any]) -> ProcedureDefinition:
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
    procedure = ProcedureDefinition(
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
