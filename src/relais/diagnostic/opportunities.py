"""The campaign's tasks rated by the AI-opportunity score (relais.diagnostic.scoring), best first."""

from __future__ import annotations

from dataclasses import dataclass

from relais.diagnostic.models import Campaign, Task
from relais.diagnostic.scoring import Opportunity, TaskFigures, assess, rank


@dataclass(frozen=True)
class RatedTask:
    task: Task
    opportunity: Opportunity


def figures(task: Task) -> TaskFigures:
    return TaskFigures(
        frequency_per_month=float(task.frequency_per_month),
        minutes_per_occurrence=float(task.minutes_per_occurrence),
        repetitiveness=task.repetitiveness,
        digital_input=task.digital_input,
        personal_data=task.personal_data,
        decision_about_people=task.decision_about_people,
        title=task.title,
    )


def rated_tasks(campaign: Campaign | None, services=None, service: str = "") -> list[RatedTask]:
    """The tasks of the campaign (of these services, or of the one named), best first."""
    if campaign is None:
        return []
    tasks = Task.objects.filter(campaign=campaign).select_related("service")
    if services is not None:
        tasks = tasks.filter(service__in=services)
    if service:
        tasks = tasks.filter(service__name__iexact=service)
    pairs = rank([(task, assess(figures(task))) for task in tasks.order_by("service__name", "title")])
    return [RatedTask(task, opportunity) for task, opportunity in pairs]


def as_dict(rated: RatedTask) -> dict:
    o = rated.opportunity
    return {
        "service": rated.task.service.name,
        "tache": rated.task.title,
        "heures_par_an": round(o.hours_per_year, 1),
        "score": o.score,
        "risque": o.risk.value,
        "recommandation": o.label,
        "code_recommandation": o.kind.value,
        "potentiel": round(o.potential, 2),
        "heures_gagnables": round(o.saved_hours, 1),
        "raisons": o.reasons,
    }


def opportunity_rows(campaign: Campaign | None, service: str = "") -> list[dict]:
    return [as_dict(r) for r in rated_tasks(campaign, service=service)]
