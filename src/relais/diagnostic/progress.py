"""Where each service stands in the campaign: not started, in progress, ready to send, sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count

from relais.diagnostic.models import Campaign, Practice, Service, Submission, Task, Tool
from relais.diagnostic.scoring import hours_per_year

NOT_STARTED, IN_PROGRESS, READY, SENT = "Non commencé", "En cours", "Complet, à transmettre", "Transmis"


@dataclass(frozen=True)
class ServiceProgress:
    service: Service
    tools: int
    practice: bool
    tasks: int
    hours: float
    submitted_at: datetime | None

    @property
    def complete(self) -> bool:
        return self.tools > 0 and self.practice and self.tasks > 0

    @property
    def status(self) -> str:
        if self.submitted_at is not None:
            return SENT
        if self.complete:
            return READY
        return IN_PROGRESS if self.tools or self.practice or self.tasks else NOT_STARTED


def _counts(model, campaign: Campaign) -> dict[int, int]:
    rows = model.objects.filter(campaign=campaign).values("service").annotate(n=Count("pk"))
    return {row["service"]: row["n"] for row in rows}


def progress(campaign: Campaign, services) -> list[ServiceProgress]:
    tools, practices = _counts(Tool, campaign), _counts(Practice, campaign)
    hours: dict[int, float] = {}
    for task in Task.objects.filter(campaign=campaign).only("service", "frequency_per_month", "minutes_per_occurrence"):
        hours[task.service_id] = hours.get(task.service_id, 0.0) + hours_per_year(
            float(task.frequency_per_month), float(task.minutes_per_occurrence)
        )
    tasks = _counts(Task, campaign)
    sent = dict(Submission.objects.filter(campaign=campaign).values_list("service", "submitted_at"))
    return [
        ServiceProgress(
            s, tools.get(s.pk, 0), s.pk in practices, tasks.get(s.pk, 0), hours.get(s.pk, 0.0), sent.get(s.pk)
        )
        for s in services.order_by("name")
    ]


def days_left(campaign: Campaign, today: date | None = None) -> int | None:
    if campaign.deadline is None:
        return None
    return (campaign.deadline - (today or date.today())).days
