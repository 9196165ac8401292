"""The bridge to what Relais measures: per task linked to a collection or a guided procedure, the hours the
diagnosis expects to save next to the hours Relais measured, and the estimate's error.

Measured hours come from the same figures as the pilotage dashboard (relais.insights.measure): for a collection,
the deflected answers that cite (else suggest) one of its documents first, each priced at its category's handling
minutes; for a procedure, its completed runs × the minutes its definition says it saves (as the dashboard's
« Démarches guidées » table). Both are brought to a year (× 12 ÷ months of the period) to compare with the
diagnosis, which speaks in hours a year.
"""

from __future__ import annotations

from dataclasses import dataclass

from relais.assistant.models import Exchange
from relais.diagnostic.models import Campaign, Task
from relais.diagnostic.opportunities import RatedTask, rated_tasks
from relais.engine.measure.deflection import outcome
from relais.engine.measure.hours_saved import months_between

CHUNK = 500


@dataclass(frozen=True)
class Comparison:
    rated: RatedTask
    link: str  # « Collection demo-agents », « Démarche Demande d'ordre de mission »
    uses: int  # deflected answers, or completed runs, in the period
    measured_hours: float  # in the period
    months: float  # length of the period

    @property
    def task(self) -> Task:
        return self.rated.task

    @property
    def estimated(self) -> float:
        """Hours a year the diagnosis expects to save (heures gagnables)."""
        return self.rated.opportunity.saved_hours

    @property
    def measured(self) -> float:
        """Hours a year at the pace measured over the period."""
        return self.measured_hours * 12 / self.months if self.months else 0.0

    @property
    def error(self) -> float | None:
        """(estimated − measured) ÷ measured: +0.5 means the diagnosis expected half as much again; None when
        nothing was measured (no error can be stated against zero)."""
        return (self.estimated - self.measured) / self.measured if self.measured else None

    @property
    def error_text(self) -> str:
        """« +50 % », « −20 % », « — » when nothing was measured."""
        if self.error is None:
            return "—"
        return f"{self.error * 100:+.0f}".replace("-", "−") + "\u00a0%"

    @property
    def verdict(self) -> str:
        if self.error is None:
            return "rien de mesuré sur la période"
        if abs(self.error) <= 0.2:
            return "estimation confirmée (écart de 20 % au plus)"
        return "estimation trop haute" if self.error > 0 else "estimation trop basse"


def linked_tasks(campaign: Campaign | None, services=None) -> list[RatedTask]:
    return [r for r in rated_tasks(campaign, services=services) if r.task.collection_id or r.task.procedure_id]


def compare(m, campaign: Campaign | None, services=None) -> list[Comparison]:
    """`m`: the Measure of a period (relais.insights.measure.measure). Best opportunity first."""
    linked = linked_tasks(campaign, services)
    if not linked:
        return []
    months = months_between(m.period.start, m.period.end)
    by_collection = _collection_hours(m) if any(r.task.collection_id for r in linked) else {}
    by_procedure = _procedure_hours(m) if any(r.task.procedure_id for r in linked) else {}
    rows = []
    for r in linked:
        if r.task.collection_id:
            uses, hours = by_collection.get(r.task.collection_id, (0, 0.0))
            link = f"Collection « {r.task.collection.name} »"
        else:
            uses, hours = by_procedure.get(r.task.procedure_id, (0, 0.0))
            link = f"Démarche « {r.task.procedure.title} »"
        rows.append(Comparison(r, link, uses, hours, months))
    return rows


def _collection_hours(m) -> dict[int, tuple[int, float]]:
    """Collection id → (deflected answers, hours saved) over the period of `m`."""
    from relais.knowledge.models import Document

    collection_of = dict(Document.objects.values_list("pk", "collection_id"))
    minutes = {(s.service, c.category): c.minutes for s in m.savings for c in s.categories}
    rows = {row.id: row for row in m.exchanges if outcome(row, m.followed) == "deflected"}
    ids = list(rows)
    totals: dict[int, tuple[int, float]] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = Exchange.objects.filter(pk__in=ids[start : start + CHUNK]).values_list("pk", "citations", "suggestions")
        for pk, citations, suggestions in chunk:
            # The first document, as the dashboard's categories take it (relais.insights.measure.category_of).
            first = next((i.get("document_id") for i in [*citations, *suggestions] if i.get("document_id")), None)
            collection = collection_of.get(first)
            if collection is None:
                continue
            row = rows[pk]
            count, hours = totals.get(collection, (0, 0.0))
            totals[collection] = (count + 1, hours + (minutes.get((row.service, row.category)) or 0) / 60)
    return totals


def _procedure_hours(m) -> dict[int, tuple[int, float]]:
    """Procedure id → (completed runs, hours saved), counted as the dashboard's « Démarches guidées » table."""
    from relais.procedures.models import Run, Status

    totals: dict[int, tuple[int, float]] = {}
    runs = Run.objects.filter(
        status__in=[Status.APPROVED, Status.DONE],
        completed_at__date__gte=m.period.start,
        completed_at__date__lte=m.period.end,
    )
    for run in runs:
        count, hours = totals.get(run.procedure_id, (0, 0.0))
        totals[run.procedure_id] = (count + 1, hours + run.spec().minutes_saved / 60)
    return totals


def dashboard_table(m):
    """The table « Diagnostic numérique : estimation et mesure » of the pilotage dashboard, for its period."""
    from relais.insights.measure import Column, Table

    table = Table(
        "diagnostic-estimation-mesure",
        "Heures par an estimées par le diagnostic numérique et mesurées par Relais",
        [Column("Tâche"), Column("Service"), Column("Relié à"), Column("Estimées (par an)", "hours"),
         Column("Utilisations", "int"), Column("Mesurées (par an)", "hours"),
         Column("Écart de l'estimation", "percent"), Column("Lecture")],
    )  # fmt: skip
    for c in compare(m, Campaign.objects.current()):
        table.rows.append([c.task.title, c.task.service.name, c.link, c.estimated, c.uses, c.measured, c.error,
                           c.verdict])  # fmt: skip
    return table


def dashboard_section():
    from relais.insights.views import Section

    return Section(
        "diagnostic-estimation-mesure",
        "Diagnostic numérique : estimation et mesure",
        "Pour chaque tâche du diagnostic numérique reliée à une collection ou à une démarche guidée de Relais : les "
        "heures gagnables que le diagnostic estimait et les heures économisées mesurées sur la période, toutes deux "
        "par an (mesure × 12 ÷ nombre de mois). Écart = (estimation − mesure) ÷ mesure ; positif, le diagnostic "
        "espérait plus que ce qui est mesuré.",
        dashboard_table,
    )
