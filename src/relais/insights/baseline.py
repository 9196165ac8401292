"""Baselines from a helpdesk export: one CSV line per request (date, category, service, handling time).

GLPI, a spreadsheet kept by the service or any helpdesk can produce it. Column names are matched
loosely (« Catégorie », « category », « Durée de traitement »…), the separator is detected (; , or tab),
the file may be UTF-8 or Windows-1252. Handling times read « 12 », « 12,5 », « 0:12 », « 00:12:30 »,
« 1 h 05 », « 45 min »; ``unit`` says what a bare number is (minutes by default; GLPI's « actiontime »
is in seconds).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction

from relais.engine.french.analysis import fold_accents
from relais.engine.measure.hours_saved import months_between
from relais.insights.models import CategoryBaseline, ServiceBaseline, Source

COLUMNS = {
    "date": {"date", "date_ouverture", "date_d_ouverture", "date_de_creation", "ouverture", "cree_le", "created_at",
             "opening_date", "date_creation", "ouvert_le"},
    "category": {"categorie", "category", "categorie_itil", "itilcategory", "type_de_demande", "motif"},
    "service": {"service", "groupe", "group", "groupe_technicien", "groupe_attribue", "service_destinataire",
                "assigned_group"},
    "minutes": {"temps_de_traitement", "duree", "duree_de_traitement", "handling_time", "temps", "minutes",
                "duree_minutes", "temps_passe", "actiontime", "duree_totale", "temps_de_traitement_min"},
}  # fmt: skip
UNITS = {"minutes": 1.0, "seconds": 1 / 60, "hours": 60.0}


class BaselineFileError(ValueError):
    """The file cannot be read as a helpdesk export; the message says why."""


@dataclass(frozen=True)
class Request:
    day: date
    service: str
    category: str
    minutes: float


@dataclass
class ParsedExport:
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # « ligne 7 : durée illisible « abc » »


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold_accents(name).lower()).strip("_")


def parse_minutes(raw: str, unit: str = "minutes") -> float:
    text = fold_accents(raw).strip().lower().replace("\u00a0", " ")
    if not text:
        raise ValueError("durée vide")
    if m := re.fullmatch(r"(\d+):(\d{1,2})(?::(\d{1,2}))?", text):
        hours, minutes, seconds = int(m[1]), int(m[2]), int(m[3] or 0)
        return hours * 60 + minutes + seconds / 60
    if m := re.fullmatch(r"(\d+)\s*h\s*(?:(\d{1,2})\s*(?:min|mn|m)?)?", text):
        return int(m[1]) * 60 + int(m[2] or 0)
    if m := re.fullmatch(r"(\d+(?:[.,]\d+)?)\s*(min|mn|minutes?|s|sec|secondes?|h|heures?)?", text):
        value = float(m[1].replace(",", "."))
        suffix = m[2] or ""
        if suffix.startswith(("s",)):
            return value / 60
        if suffix.startswith("h"):
            return value * 60
        if suffix:
            return value
        return value * UNITS[unit]
    raise ValueError(f"durée illisible « {raw} »")


def parse_day(raw: str) -> date:
    """« 2026-03-14 », « 14/03/2026 », « 14/03/26 », with or without a time after it."""
    text = re.split(r"[ T]", raw.strip(), maxsplit=1)[0]
    if not text:
        raise ValueError("date vide")
    patterns = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
    for pattern in patterns if re.search(r"\d{4}", text) else ("%d/%m/%y", "%d-%m-%y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date illisible « {raw} »")


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def parse_export(text: str, unit: str = "minutes", default_service: str = "") -> ParsedExport:
    """Requests of a CSV export; unreadable lines are listed in ``errors`` and skipped."""
    if unit not in UNITS:
        raise BaselineFileError(f"unité inconnue « {unit} » : minutes, seconds ou hours")
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=";,\t")
    except csv.Error:
        dialect = csv.excel
        dialect.delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise BaselineFileError("fichier vide")
    keys = [_header_key(h) for h in header]
    positions: dict[str, int] = {}
    for name, accepted in COLUMNS.items():
        for index, key in enumerate(keys):
            if key in accepted and name not in positions:
                positions[name] = index
    missing = [name for name in COLUMNS if name not in positions and not (name == "service" and default_service)]
    if missing:
        french = {"date": "date", "category": "catégorie", "service": "service", "minutes": "temps de traitement"}
        raise BaselineFileError(
            f"colonnes introuvables : {', '.join(french[m] for m in missing)} (en-têtes lus : {', '.join(header)})"
        )
    parsed = ParsedExport()
    for number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        try:
            cells = {name: row[index] if index < len(row) else "" for name, index in positions.items()}
            service = cells.get("service", "").strip() or default_service
            category = cells["category"].strip()
            if not service:
                raise ValueError("service vide")
            if not category:
                raise ValueError("catégorie vide")
            minutes = parse_minutes(cells["minutes"], unit)
            if minutes < 0:
                raise ValueError("durée négative")
            parsed.requests.append(Request(parse_day(cells["date"]), service[:100], category[:100], minutes))
        except ValueError as exc:
            parsed.errors.append(f"ligne {number} : {exc}")
    return parsed


@dataclass(frozen=True)
class CategoryFigures:
    category: str
    requests: int
    mean_minutes: float
    monthly_requests: float


@dataclass(frozen=True)
class ServiceFigures:
    service: str
    start: date
    end: date
    requests: int
    monthly_requests: float
    staff_hours_per_month: float
    categories: list[CategoryFigures]


def aggregate(requests: list[Request]) -> list[ServiceFigures]:
    """Per service: monthly volume and staff hours over the export's period; per category: mean handling time."""
    by_service: dict[str, list[Request]] = defaultdict(list)
    for request in requests:
        by_service[request.service].append(request)
    result = []
    for service, rows in sorted(by_service.items()):
        start, end = min(r.day for r in rows), max(r.day for r in rows)
        months = months_between(start, end)
        by_category: dict[str, list[float]] = defaultdict(list)
        for r in rows:
            by_category[r.category].append(r.minutes)
        categories = [
            CategoryFigures(name, len(values), sum(values) / len(values), len(values) / months)
            for name, values in sorted(by_category.items())
        ]
        result.append(
            ServiceFigures(
                service=service,
                start=start,
                end=end,
                requests=len(rows),
                monthly_requests=len(rows) / months,
                staff_hours_per_month=sum(r.minutes for r in rows) / 60 / months,
                categories=categories,
            )
        )
    return result


@transaction.atomic
def save_baselines(figures: list[ServiceFigures]) -> list[ServiceBaseline]:
    """Create or update each service's baseline and categories; categories absent from the file are kept."""
    saved = []
    for f in figures:
        baseline, _ = ServiceBaseline.objects.update_or_create(
            service=f.service,
            defaults={
                "monthly_requests": round(f.monthly_requests),
                "staff_hours_per_month": round(f.staff_hours_per_month, 2),
                "period_start": f.start,
                "period_end": f.end,
                "source": Source.IMPORTED,
            },
        )
        for c in f.categories:
            CategoryBaseline.objects.update_or_create(
                baseline=baseline,
                category=c.category,
                defaults={
                    "handling_minutes": round(c.mean_minutes, 2),
                    "monthly_requests": round(c.monthly_requests),
                    "sample_size": c.requests,
                },
            )
        saved.append(baseline)
    return saved
