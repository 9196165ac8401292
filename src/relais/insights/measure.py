"""From the database to the figures: the exchange log and tickets of a period as engine rows, then every table.

The formulas live in relais.engine.measure; this module only reads the log, resolves each question's
category and the services' baselines, and lays the results out as tables (the same tables feed the
dashboard, its CSV exports and the trial report).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from relais.accounts.models import Profile
from relais.assistant.models import Exchange, Feedback
from relais.engine.measure import deflection, hours_saved
from relais.helpdesk.models import Ticket
from relais.insights.models import ServiceBaseline, Source
from relais.insights.visitors import Counts, Visitors, visitors

NO_SERVICE = "(non attribué)"
OTHER_CATEGORY = "(autre)"
MODE_LABELS = {"faq": "FAQ validée", "extractive": "Extrait des documents", "generated": "Réponse générée"}
REASON_LABELS = dict(Feedback.Reason.choices)
GRANULARITIES = {"week": "Semaine", "month": "Mois"}
# Shown on the dashboard and in the report whenever a figure comes from the demo's usage simulator.
SIMULATED_NOTICE = "Données simulées (démonstration)"
SIMULATED_DETAIL = (
    "une partie des questions, avis, demandes ou références de cette période a été inventée par le simulateur "
    "d'usage de la démonstration : ces chiffres ne mesurent aucun usage réel."
)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    service: str = ""  # "" for every service
    granularity: str = "week"

    @classmethod
    def default(cls, today: date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(today - timedelta(days=90), today)

    @property
    def label(self) -> str:
        return f"du {self.start:%d/%m/%Y} au {self.end:%d/%m/%Y}"


@dataclass
class Column:
    title: str
    kind: str = "text"  # text, int, float, percent, hours, minutes, ms


@dataclass
class Table:
    """One table of figures: shown with a caption, exported as CSV under its slug."""

    slug: str
    caption: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    note: str = ""


def pct(value: float | None, digits: int = 0) -> str:
    """A share in French: 0.153 → « 15 % » (non-breaking space, decimal comma)."""
    if value is None:
        return "—"
    return f"{value * 100:.{digits}f}".replace(".", ",") + "\u00a0%"


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _document_categories() -> dict[int, tuple[str, str]]:
    """Document id → (service, category) from the categories' linked documents."""
    mapping: dict[int, tuple[str, str]] = {}
    for baseline in ServiceBaseline.objects.prefetch_related("categories__documents"):
        for category in baseline.categories.all():
            for document in category.documents.all():
                mapping.setdefault(document.pk, (baseline.service, category.category))
    return mapping


def category_of(exchange: Exchange, by_document: dict[int, tuple[str, str]]) -> str:
    """The category of the first cited (else suggested) document, else that document's title."""
    items = [*exchange.citations, *exchange.suggestions]
    for item in items:
        found = by_document.get(item.get("document_id"))
        if found and found[0] == exchange.service:
            return found[1]
    return (items[0].get("document") or OTHER_CATEGORY)[:100] if items else OTHER_CATEGORY


def exchange_rows(start: date, end: date, service: str = "") -> list[deflection.ExchangeRow]:
    # The agents' exchanges only: the citizens' assistant is measured apart (issue 20).
    exchanges = Exchange.objects.filter(
        audience="agents", created_at__date__gte=start, created_at__date__lte=end
    ).select_related("feedback")
    if service:
        exchanges = exchanges.filter(service="" if service == NO_SERVICE else service)
    by_document = _document_categories()
    rows = []
    for exchange in exchanges.order_by("created_at", "pk"):
        feedback = getattr(exchange, "feedback", None)
        rows.append(
            deflection.ExchangeRow(
                id=exchange.pk,
                user=str(exchange.user_id or ""),
                question=exchange.question,
                mode=exchange.mode,
                created_at=_local(exchange.created_at),
                service=exchange.service,
                category=category_of(exchange, by_document),
                latency_ms=exchange.latency_ms,
                rating=feedback.rating if feedback else "",
                reason=feedback.reason if feedback else "",
            )
        )
    return rows


def ticket_rows(start: date, end: date) -> list[deflection.TicketRow]:
    """Tickets that may follow the period's answers: opened from its start to ``deflection_days`` after its end."""
    last = end + timedelta(days=settings.RELAIS.deflection_days)
    # The agents' requests only: a visitor's (the citizens' contact form) is measured in its own section.
    tickets = Ticket.objects.filter(audience="agents", created_at__date__gte=start, created_at__date__lte=last)
    return [
        deflection.TicketRow(
            id=t.pk,
            user=str(t.requester_id),
            service=t.service,
            created_at=_local(t.created_at),
            category=t.category,
            exchange_id=t.exchange_id,
        )
        for t in tickets.order_by("created_at", "pk")
    ]


@dataclass
class Measure:
    """Everything the dashboard and the report show for one period."""

    period: Period
    exchanges: list[deflection.ExchangeRow]
    tickets: list[deflection.TicketRow]
    followed: set[int]
    overall: deflection.Figures
    by_service: dict[str, deflection.Figures]
    by_category: dict[str, deflection.Figures]
    series: dict[str, deflection.Figures]
    savings: list[hours_saved.ServiceSavings]
    baselines: dict[str, ServiceBaseline]
    target: float
    deflection_days: int
    simulated: bool = False  # some of the figures come from the demo's usage simulator
    visitors: Visitors | None = None  # the citizens' assistant, measured apart from the agents

    @property
    def hours(self) -> float:
        return sum(s.hours for s in self.savings)

    @property
    def hours_low(self) -> float:
        return sum(s.hours_low for s in self.savings)

    @property
    def hours_high(self) -> float:
        return sum(s.hours_high for s in self.savings)

    @property
    def baseline_hours(self) -> float:
        return sum(s.baseline_hours or 0 for s in self.savings if s.baseline_hours)

    @property
    def measured_savings(self) -> list[hours_saved.ServiceSavings]:
        """Services with a baseline: the ones the target is measured on."""
        return [s for s in self.savings if s.baseline_hours]

    @property
    def share(self) -> float | None:
        """Hours saved over baseline hours, for the services that have a baseline."""
        measured = self.measured_savings
        base = sum(s.baseline_hours for s in measured)
        return sum(s.hours for s in measured) / base if base else None

    @property
    def share_low(self) -> float | None:
        measured = self.measured_savings
        base = sum(s.baseline_hours for s in measured)
        return sum(s.hours_low for s in measured) / base if base else None

    @property
    def share_high(self) -> float | None:
        measured = self.measured_savings
        base = sum(s.baseline_hours for s in measured)
        return sum(s.hours_high for s in measured) / base if base else None

    @property
    def of_target(self) -> float | None:
        return None if self.share is None else self.share / self.target

    def service_savings(self, service: str) -> hours_saved.ServiceSavings | None:
        return next((s for s in self.savings if s.service == service), None)


def service_name(service: str) -> str:
    return service or NO_SERVICE


def measure(period: Period) -> Measure:
    config = settings.RELAIS
    exchanges = exchange_rows(period.start, period.end, period.service)
    tickets = ticket_rows(period.start, period.end)
    followed = deflection.followed_by_ticket(exchanges, tickets, config.deflection_days)
    baselines = {b.service: b for b in ServiceBaseline.objects.prefetch_related("categories")}
    minutes = {(b.service, c.category): c.handling_minutes for b in baselines.values() for c in b.categories.all()}
    defaults = {s: m for s, b in baselines.items() if (m := b.fallback_minutes()) is not None}
    hours = {
        s: hours_saved.baseline_hours_for(h, period.start, period.end)
        for s, b in baselines.items()
        if (h := b.hours_per_month())
    }
    key = deflection.PERIOD_KEYS.get(period.granularity, deflection.week_key)
    return Measure(
        period=period,
        exchanges=exchanges,
        tickets=tickets,
        followed=followed,
        overall=deflection.figures(exchanges, followed),
        by_service=deflection.figures_by(exchanges, followed, lambda e: service_name(e.service)),
        by_category=deflection.figures_by(exchanges, followed, lambda e: f"{service_name(e.service)} › {e.category}"),
        series=deflection.figures_by(exchanges, followed, lambda e: key(e.created_at)),
        savings=hours_saved.savings(
            exchanges,
            followed,
            minutes=minutes,
            default_minutes=defaults,
            baseline_hours=hours,
            target=config.savings_target,
        ),
        baselines=baselines,
        target=config.savings_target,
        deflection_days=config.deflection_days,
        simulated=is_simulated(exchanges, tickets, baselines, period.service),
        visitors=visitors(period.start, period.end, _service_filter(period.service), key),
    )


def _service_filter(service: str) -> str | None:
    """The service the page is filtered on, as stored on the rows ("" for none); None for every service."""
    if not service:
        return None
    return "" if service == NO_SERVICE else service


def is_simulated(
    exchanges: list[deflection.ExchangeRow],
    tickets: list[deflection.TicketRow],
    baselines: dict[str, ServiceBaseline],
    service: str = "",
) -> bool:
    """Whether a simulated baseline, or a question or ticket of a simulated account, is among the figures shown
    (those of ``service`` alone when the page is filtered on one)."""
    if service:
        baselines = {name: b for name, b in baselines.items() if name == service}
        tickets = [t for t in tickets if t.service == service]
        exchanges = [e for e in exchanges if e.service == service]
    if any(b.source == Source.SIMULATED for b in baselines.values()):
        return True
    simulated = {str(pk) for pk in Profile.objects.filter(simulated=True).values_list("user_id", flat=True)}
    return any(row.user in simulated for row in [*exchanges, *tickets])


# ---------------------------------------------------------------- tables

USAGE_COLUMNS = [
    Column("Questions", "int"),
    Column("Réponses FAQ", "int"),
    Column("Réponses extraites", "int"),
    Column("Réponses générées", "int"),
    Column("Abstentions", "int"),
    Column("Demandes après une réponse", "int"),
    Column("Demandes après une abstention", "int"),
    Column("Déflexions", "int"),
    Column("Taux de déflexion", "percent"),
    Column("👍", "int"),
    Column("👎", "int"),
    Column("Satisfaction (👍 / avis)", "percent"),
    Column("Questions répétées", "int"),
    Column("Reposées par le même agent", "int"),
    Column("Temps de réponse médian (ms)", "ms"),
    Column("Agents actifs", "int"),
]


def usage_cells(f: deflection.Figures) -> list[Any]:
    return [
        f.questions,
        f.by_mode.get("faq", 0),
        f.by_mode.get("extractive", 0),
        f.by_mode.get("generated", 0),
        f.abstentions,
        f.tickets_after_answer,
        f.tickets_after_abstention,
        f.deflected,
        f.deflection_rate,
        f.up,
        f.down,
        f.up_rate,
        f.repeat_questions,
        f.repeat_same_agent,
        f.median_latency_ms,
        f.active_agents,
    ]


def usage_by_service(m: Measure) -> Table:
    table = Table("usage-par-service", "Usage par service", [Column("Service"), *USAGE_COLUMNS])
    for service, figures in m.by_service.items():
        table.rows.append([service, *usage_cells(figures)])
    table.rows.append(["Total", *usage_cells(m.overall)])
    return table


def usage_over_time(m: Measure) -> Table:
    title = GRANULARITIES.get(m.period.granularity, "Semaine")
    caption = f"Évolution par {title.lower()}"
    table = Table("evolution", caption, [Column(title)])
    table.columns += USAGE_COLUMNS
    for key, figures in m.series.items():
        table.rows.append([key, *usage_cells(figures)])
    return table


def usage_by_category(m: Measure) -> Table:
    table = Table("usage-par-categorie", "Usage par catégorie", [Column("Service"), Column("Catégorie")])
    table.columns += USAGE_COLUMNS
    for key, figures in m.by_category.items():
        service, _, category = key.partition(" › ")
        table.rows.append([service, category, *usage_cells(figures)])
    return table


SAVINGS_COLUMNS = [
    Column("Service"),
    Column("Déflexions", "int"),
    Column("Heures économisées", "hours"),
    Column("Fourchette basse (h)", "hours"),
    Column("Fourchette haute (h)", "hours"),
    Column("Heures de référence sur la période", "hours"),
    Column("Part du temps économisée", "percent"),
    Column("Part de l'objectif atteinte", "percent"),
    Column("Objectif atteint : fourchette basse", "percent"),
    Column("Objectif atteint : fourchette haute", "percent"),
    Column("Déflexions sans durée de référence", "int"),
]


def savings_by_service(m: Measure) -> Table:
    table = Table(
        "heures-par-service",
        f"Heures économisées par service et part de l'objectif de {pct(m.target)}",
        SAVINGS_COLUMNS,
    )
    for s in sorted(m.savings, key=lambda s: (s.baseline_hours is None, s.service)):
        table.rows.append(
            [
                service_name(s.service),
                s.deflected,
                s.hours,
                s.hours_low,
                s.hours_high,
                s.baseline_hours,
                s.share,
                s.of_target,
                s.of_target_low,
                s.of_target_high,
                s.unpriced,
            ]
        )
    table.note = (
        "Heures économisées = Σ (déflexions de la catégorie × durée de traitement de la catégorie) ÷ 60. "
        "Part du temps = heures économisées ÷ heures de référence du service sur la période "
        f"(heures mensuelles × nombre de mois). Part de l'objectif = part du temps ÷ {pct(m.target)}."
    )
    return table


def savings_by_category(m: Measure) -> Table:
    table = Table(
        "heures-par-categorie",
        "Heures économisées par catégorie",
        [
            Column("Service"),
            Column("Catégorie"),
            Column("Durée de traitement (min)", "minutes"),
            Column("Origine de la durée"),
            Column("Déflexions", "int"),
            Column("Confirmées par 👍", "int"),
            Column("Sans demande, 👎 compris", "int"),
            Column("Heures économisées", "hours"),
        ],
    )
    origin = {"category": "catégorie", "service": "défaut du service", "": "aucune : non comptée"}
    for s in m.savings:
        for c in s.categories:
            if not (c.deflected or c.deflected_high):
                continue
            table.rows.append(
                [
                    service_name(s.service),
                    c.category,
                    c.minutes,
                    origin[c.minutes_source],
                    c.deflected,
                    c.deflected_low,
                    c.deflected_high,
                    c.hours,
                ]
            )
    return table


def feedback_reasons(m: Measure) -> Table:
    table = Table(
        "raisons-des-avis-negatifs",
        "Raisons données avec un 👎",
        [Column("Raison"), Column("Avis", "int"), Column("Part des 👎", "percent")],
    )
    given = sum(m.overall.reasons.values())
    for reason, count in m.overall.reasons.items():
        table.rows.append([REASON_LABELS.get(reason, reason), count, count / m.overall.down if m.overall.down else 0])
    without = m.overall.down - given
    if without:
        table.rows.append(["Sans raison donnée", without, without / m.overall.down])
    return table


def baselines_table(m: Measure) -> Table:
    table = Table(
        "references-des-services",
        "Références des services (avant l'assistant)",
        [
            Column("Service"),
            Column("Demandes récurrentes par mois", "int"),
            Column("Heures d'agents par mois", "hours"),
            Column("Origine des heures"),
            Column("Durée moyenne (min)", "minutes"),
            Column("Catégories", "int"),
            Column("Mesurée du"),
            Column("au"),
            Column("Origine"),
        ],
    )
    for service, b in sorted(m.baselines.items()):
        entered = b.staff_hours_per_month is not None
        table.rows.append(
            [
                service,
                b.monthly_requests,
                b.hours_per_month(),
                "saisies" if entered else "demandes × durée moyenne",
                b.mean_minutes(),
                b.categories.count(),
                f"{b.period_start:%d/%m/%Y}" if b.period_start else "",
                f"{b.period_end:%d/%m/%Y}" if b.period_end else "",
                b.get_source_display(),
            ]
        )
    return table


VISITOR_COLUMNS = [
    Column("Questions", "int"),
    Column("Réponses", "int"),
    Column("Part répondue", "percent"),
    Column("Orientées vers un service", "int"),
    Column("Part orientée", "percent"),
    Column("Hors des heures d'ouverture", "int"),
    Column("Part hors des heures", "percent"),
    Column("Écartées par le filtre", "int"),
    Column("Réponses jugées inutiles (👎)", "int"),
    Column("Appels évités, bas", "int"),
    Column("Appels évités, haut", "int"),
]


def visitor_cells(v: Visitors, counts: Counts) -> list[Any]:
    low, high = v.calls(counts)
    questions = counts.questions
    outside = counts.outside_hours if v.hours_known else None
    return [
        questions,
        counts.answered,
        counts.answered / questions if questions else None,
        counts.handovers,
        counts.handovers / questions if questions else None,
        outside,
        outside / questions if questions and outside is not None else None,
        counts.screened,
        counts.thumbs_down,
        low,
        high,
    ]


def visitors_table(m: Measure) -> Table:
    """The citizens' assistant per week or month, then the period's total (issue 20: apart from the agents)."""
    title = GRANULARITIES.get(m.period.granularity, "Semaine")
    table = Table(
        "assistant-des-citoyens",
        f"Assistant des citoyens : questions des visiteurs par {title.lower()}",
        [Column(title), *VISITOR_COLUMNS],
    )
    v = m.visitors
    if v is None or not v.total.questions:
        return table
    for key, counts in v.series.items():
        table.rows.append([key, *visitor_cells(v, counts)])
    table.rows.append(["Total", *visitor_cells(v, v.total)])
    return table


def visitors_formula(v: Visitors) -> str:
    """The calls avoided, written out with the period's figures (what follows « Appels évités = »)."""
    answered, down = v.total.answered, v.total.thumbs_down
    base, (low, high) = v.calls_base(), v.calls()
    return (
        f"(réponses − réponses jugées inutiles) × p = ({answered} − {down}) × p = {base} × p, "
        f"où p, la part des visiteurs qui, sans réponse, auraient appelé la mairie ou s'y seraient rendus, va de "
        f"{pct(v.call_share_low)} à {pct(v.call_share_high)} : entre {low} et {high} appels."
    )


def visitors_uncertainty(v: Visitors) -> str:
    return (
        "Les appels évités sont estimés, pas observés : Relais ne sait pas ce que le visiteur aurait fait sans "
        "l'assistant. Aucune étude publiée ne mesure p pour l'assistant d'une mairie : la fourchette de "
        f"{pct(v.call_share_low)} à {pct(v.call_share_high)} est large à dessein (réglable par l'équipe "
        "technique). Le chiffre peut être surestimé : un visiteur qui écrit à l'assistant est déjà en ligne et "
        "aurait souvent trouvé la page lui-même ; une réponse fausse que personne n'a signalée compte comme une "
        "réponse ; plusieurs questions peuvent tenir en un seul appel. Il peut être sous-estimé : une réponse peut "
        "éviter un déplacement plutôt qu'un appel, ou servir à toute une famille. Pour le resserrer, la commune peut "
        "compter les appels à l'accueil avant et après l'ouverture de l'assistant."
    )


def procedures_table(m: Measure) -> Table:
    """Guided procedures completed in the period and the staff time they saved (declared per procedure)."""
    from relais.procedures.runs import savings

    table = Table(
        "demarches-guidees",
        "Démarches guidées terminées (demandes validées, checklists faites) et temps d'agents économisé",
        [Column("Démarche"), Column("Service"), Column("Terminées", "int"), Column("Heures économisées", "hours")],
    )
    for row in savings(m.period.start, m.period.end):
        table.rows.append([row.title, row.service, row.completed, row.minutes / 60])
    return table


TABLES: dict[str, Callable[[Measure], Table]] = {
    "heures-par-service": savings_by_service,
    "usage-par-service": usage_by_service,
    "evolution": usage_over_time,
    "heures-par-categorie": savings_by_category,
    "usage-par-categorie": usage_by_category,
    "raisons-des-avis-negatifs": feedback_reasons,
    "references-des-services": baselines_table,
    "demarches-guidees": procedures_table,
    "assistant-des-citoyens": visitors_table,
}


def uncertainty_text(m: Measure) -> str:
    low, high = m.overall.deflection_interval
    return (
        "La déflexion est déduite, pas observée : une question est comptée comme une demande évitée quand Relais a "
        f"répondu, que l'agent n'a pas ouvert de demande au même service dans les {m.deflection_days} jours et "
        "qu'il n'a pas jugé la réponse inutile (👎). Relais ne sait pas si l'agent aurait vraiment sollicité le "
        "service, ni s'il a appelé un collègue à la place : le chiffre peut être surestimé. La fourchette basse ne "
        "compte que les réponses confirmées par un 👍 ; la fourchette haute compte toutes les réponses sans demande "
        f"ensuite, 👎 compris. Sur {m.overall.questions} questions, l'intervalle de confiance à 95 % du taux de "
        f"déflexion va de {pct(low)} à {pct(high)} (intervalle de Wilson)."
        " Les durées de traitement sont des moyennes déclarées ou mesurées avant "
        "l'assistant."
    )
