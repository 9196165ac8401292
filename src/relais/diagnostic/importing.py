"""Saving a task sheet into a campaign: valid rows are saved, bad ones reported; the same file twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date

from django.db import transaction

from relais.diagnostic.models import Campaign, Service, Task
from relais.diagnostic.sheet import RowError, TaskRow, parse, read_rows, task_key

# TaskRow field → Task field (the sheet's names are the référents', the model's are the code's).
SAVED_FIELDS = [f.name for f in fields(TaskRow) if f.name not in {"service"}]


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    new_services: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        text = (
            f"{self.added} tâche(s) ajoutée(s), {self.updated} modifiée(s), {self.unchanged} inchangée(s), "
            f"{len(self.errors)} ligne(s) refusée(s)"
        )
        if self.new_services:
            text += f" ; service(s) créé(s) : {', '.join(self.new_services)}"
        return text


def campaign_for(name: str | None = None, *, demo: bool = False) -> Campaign:
    """The named campaign (created if missing), or the current one, or a first one for this year."""
    if name:
        campaign, _ = Campaign.objects.get_or_create(name=name, defaults={"opened_on": date.today(), "demo": demo})
        return campaign
    current = Campaign.objects.current()
    if current is not None:
        return current
    return Campaign.objects.create(name=f"Diagnostic numérique {date.today():%Y}", opened_on=date.today(), demo=demo)


def import_file(name: str, data: bytes, campaign: Campaign, *, dry_run: bool = False) -> ImportResult:
    """Raises SheetError when the file as a whole is unreadable (nothing saved)."""
    rows, errors = parse(read_rows(name, data))
    result = ImportResult(errors=errors)
    with transaction.atomic():
        services = _services(rows, result, demo=campaign.demo)
        existing = {task_key(t.service.name, t.title): t for t in Task.objects.filter(campaign=campaign)}
        for row in rows:
            _save(row, campaign, services, existing, result)
        if dry_run:
            transaction.set_rollback(True)
    return result


def _services(rows: list[TaskRow], result: ImportResult, *, demo: bool) -> dict[str, Service]:
    """Services by name, case ignored; the ones the file names first are created."""
    known = {s.name.casefold(): s for s in Service.objects.all()}
    for row in rows:
        if row.service.casefold() not in known:
            known[row.service.casefold()] = Service.objects.create(name=row.service, demo=demo)
            result.new_services.append(row.service)
    return known


def _save(row: TaskRow, campaign: Campaign, services: dict[str, Service], existing, result: ImportResult) -> None:
    values = {name: getattr(row, name) for name in SAVED_FIELDS}
    task = existing.get(task_key(row.service, row.title))
    if task is None:
        Task.objects.create(campaign=campaign, service=services[row.service.casefold()], **values)
        result.added += 1
        return
    changed = {name: value for name, value in values.items() if getattr(task, name) != value}
    if not changed:
        result.unchanged += 1
        return
    for name, value in changed.items():
        setattr(task, name, value)
    task.save(update_fields=list(changed))
    result.updated += 1


def task_rows(tasks) -> list[TaskRow]:
    """Tasks as sheet rows (export, template)."""
    return [
        TaskRow(service=t.service.name, **{name: getattr(t, name) for name in SAVED_FIELDS})
        for t in tasks.select_related("service").order_by("service__name", "title")
    ]
