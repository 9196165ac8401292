"""The services' public desks (`ServiceDesk`): whom the citizens' assistant hands a visitor over to when it cannot
answer, with the desk's phone, address and opening hours, and whether it is open now (issue 20).

The desk is the one of the service that owns the pages closest to the question (the documents' « service
propriétaire »), else the town hall's. Its hours are read by `relais.engine.hours`, in the town's local time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from relais.knowledge.models import ServiceDesk


def town_hall() -> ServiceDesk | None:
    return ServiceDesk.objects.filter(town_hall=True).first()


def desk_for(service: str) -> ServiceDesk | None:
    """The desk of the service that owns the closest page; else the town hall's, which orients visitors (the
    next closest page's service would be a guess). None when the town has entered no desk."""
    return (service and ServiceDesk.objects.filter(service=service).first()) or town_hall()


def town_hall_open(at: datetime) -> bool | None:
    """Whether the town hall was open at that moment; None when no town hall desk (or no hours) is set."""
    desk = town_hall()
    if desk is None or not desk.opening_hours.strip():
        return None
    return desk.hours().is_open(timezone.localtime(at))


def handover(desk: ServiceDesk, now: datetime | None = None) -> dict:
    """The desk as the answer payload carries it (JSON): what to show a visitor who needs a human."""
    now = timezone.localtime(now)
    hours = desk.hours()
    status = hours.status(now)
    return {
        "service": desk.service,
        "label": desk.label,
        "phone": desk.phone,
        "email": desk.email,
        "address": desk.address,
        "hours": hours.lines(),
        "public_holidays_closed": desk.closed_on_public_holidays,
        "notes": desk.notes,
        "open_now": status.open,
        "status": status.sentence(now),
        "contact_form": desk.contact_form,
        "contact_retention_days": settings.RELAIS.public_contact_retention_days,  # said in the form's consent
    }


class DeskFileError(ValueError):
    """The desks file cannot be loaded (English message for the operator, naming the entry)."""


@transaction.atomic
def load_desks(path: Path, *, demo: bool = False) -> int:
    """Create or update the desks listed in a YAML file (a list of mappings with the model's field names); all or
    nothing: an unreadable entry leaves the directory as it was."""
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    fields = {"label", "phone", "email", "address", "opening_hours", "closed_on_public_holidays", "notes",
              "town_hall", "contact_form"}  # fmt: skip
    for number, entry in enumerate(entries, start=1):
        unknown = set(entry) - fields - {"service"}
        if "service" not in entry or unknown:
            raise DeskFileError(f"{path}: entry {number}: needs 'service', unknown keys {sorted(unknown)}")
        desk = ServiceDesk.objects.filter(service=entry["service"]).first() or ServiceDesk(service=entry["service"])
        for name in fields & set(entry):
            setattr(desk, name, entry[name])
        desk.demo = demo
        try:
            desk.full_clean()
        except ValidationError as error:
            raise DeskFileError(f"{path}: entry {number} ({entry['service']}): {error.message_dict}") from None
        desk.save()
    return len(entries)
