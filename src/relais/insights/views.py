"""The trial's dashboard (/pilotage/), its CSV exports, and the knowledge gaps."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from relais.insights import charts
from relais.insights.access import dashboard_required
from relais.insights.forms import PeriodForm
from relais.insights.gaps import KIND_LABELS, faq_prefill_url, faq_review_url, gaps_for_page
from relais.insights.measure import (
    SIMULATED_DETAIL,
    SIMULATED_NOTICE,
    TABLES,
    Column,
    Measure,
    Period,
    Table,
    measure,
    pct,
    service_name,
    uncertainty_text,
    visitors_formula,
    visitors_uncertainty,
)
from relais.insights.templatetags.insights_format import format_cell

GAPS_SHOWN = 25  # as cards; the table below lists them all


@dataclass(frozen=True)
class Section:
    """A section that an app above insights adds to the dashboard (insights may not import it): a heading, a
    sentence and one table, exported as CSV like every other table (so its builder joins TABLES)."""

    slug: str
    title: str
    text: str
    table: Callable[[Measure], Table]


DASHBOARD_SECTIONS: list[Section] = []


def add_section(section: Section) -> None:
    """Called from the app's AppConfig.ready."""
    if section.slug not in TABLES:
        DASHBOARD_SECTIONS.append(section)
        TABLES[section.slug] = section.table


EXPORT_SUFFIX = {"percent": " (%)", "hours": " (h)", "minutes": " (min)", "ms": " (ms)"}


def _period(request: HttpRequest, default: Period | None = None) -> tuple[PeriodForm, Period]:
    form = PeriodForm(request.GET if request.GET else None, default=default or Period.default())
    return form, form.period()


def _query(period: Period) -> str:
    return urlencode(
        {
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "service": period.service,
            "granularity": period.granularity,
        }
    )


def _target_chart(m: Measure):
    bars = [
        charts.Bar(
            service_name(s.service),
            s.of_target or 0,
            f"{pct(s.of_target)} ({pct(s.of_target_low)} – {pct(s.of_target_high)})",
            s.of_target_low,
            s.of_target_high,
        )
        for s in sorted(m.measured_savings, key=lambda s: s.service)
    ]
    summary = "; ".join(f"{b.label} : {b.text} de l'objectif" for b in bars) or "aucun service n'a de référence"
    return charts.horizontal_bars(
        "graphique-objectif",
        f"Part de l'objectif de {pct(m.target)} atteinte par service, fourchette entre parenthèses : {summary}. "
        "Détail dans le tableau qui suit.",
        bars,
        reference=1.0,
        reference_label=f"objectif : {pct(m.target)} du temps",
    )


SERIES = ["Déflexions", "Réponses suivies d'une demande ou 👎", "Abstentions"]


def _series_chart(m: Measure):
    columns = [
        (key, [f.deflected, f.answered - f.deflected, f.abstentions]) for key, f in m.series.items()
    ]  # fmt: skip
    unit = "mois" if m.period.granularity == "month" else "semaine"
    total = sum(sum(v) for _, v in columns)
    return charts.stacked_columns(
        "graphique-evolution",
        f"Questions par {unit}, en trois parts empilées ({', '.join(SERIES).lower()}) : {total} questions sur "
        f"{len(columns)} {unit}{'s' if len(columns) > 1 and unit == 'semaine' else ''}. "
        "Détail dans le tableau qui suit.",
        columns,
        SERIES,
    )


def _category_chart(m: Measure):
    rows = sorted(
        ((f"{service_name(s.service)} › {c.category}", c.hours) for s in m.savings for c in s.categories if c.hours),
        key=lambda r: -r[1],
    )[:8]
    bars = [charts.Bar(label, value, format_cell(value, "hours")) for label, value in rows]
    summary = "; ".join(f"{b.label} : {b.text}" for b in bars) or "aucune heure économisée"
    return charts.horizontal_bars(
        "graphique-categories",
        f"Heures économisées, les huit premières catégories : {summary}. Détail dans le tableau qui suit.",
        bars,
    )


@dashboard_required
def dashboard(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    m = measure(period)
    tables = {slug.replace("-", "_"): build(m) for slug, build in TABLES.items()}
    context = {
        "form": form,
        "period": period,
        "m": m,
        "tables": tables,
        "query": _query(period),
        "target_chart": _target_chart(m),
        "series_chart": _series_chart(m),
        "category_chart": _category_chart(m),
        "interval": m.overall.deflection_interval,
        "uncertainty": uncertainty_text(m),
        "simulated_notice": SIMULATED_NOTICE,
        "simulated_detail": SIMULATED_DETAIL,
        "extra_sections": [(section, tables[section.slug.replace("-", "_")]) for section in DASHBOARD_SECTIONS],
        "visitors": m.visitors,
        "visitors_formula": visitors_formula(m.visitors) if m.visitors else "",
        "visitors_uncertainty": visitors_uncertainty(m.visitors) if m.visitors else "",
    }
    return render(request, "insights/dashboard.html", context)


def gaps_table(report, request: HttpRequest | None = None) -> Table:
    table = Table(
        "lacunes",
        "Lacunes de la documentation, les plus fréquentes d'abord",
        [
            Column("Rang", "int"),
            Column("Thème (question la plus représentative)"),
            Column("Questions", "int"),
            Column("Abstentions", "int"),
            Column("👎", "int"),
            Column("Demandes", "int"),
            Column("Service"),
            Column("Statut"),
            Column("Réponses réussies depuis", "int"),
            Column("Dernière le"),
            Column("Autres formulations"),
        ],
    )
    from relais.engine.measure.knowledge_gaps import GAP_STATUS_LABELS

    for rank, gap in enumerate(report.gaps, 1):
        kinds = gap.kinds
        table.rows.append(
            [
                rank,
                gap.label,
                gap.volume,
                kinds.get("abstention", 0),
                kinds.get("down", 0),
                kinds.get("ticket", 0),
                service_name(gap.service),
                GAP_STATUS_LABELS[gap.status],
                gap.answered_since,
                f"{gap.last_seen:%d/%m/%Y}",
                " | ".join(gap.examples[1:]),
            ]
        )
    return table


def _default_service(request: HttpRequest) -> str:
    """A référent lands on their own service's gaps; the Pilotage group on every service."""
    user = request.user
    if user.groups.filter(name__startswith="Référents").exists():
        profile = getattr(user, "profile", None)
        return getattr(profile, "service", "") or ""
    return ""


@dashboard_required
def gaps(request: HttpRequest) -> HttpResponse:
    default = Period.default()
    default = Period(default.start, default.end, _default_service(request), default.granularity)
    form, period = _period(request, default)
    report = gaps_for_page(period)
    can_add_faq = request.user.is_staff and request.user.has_perm("knowledge.add_faqentry")
    can_change_faq = request.user.is_staff and request.user.has_perm("knowledge.change_faqentry")
    items = [
        {
            "gap": gap,
            "rank": rank,
            "kinds": [(KIND_LABELS[k], n) for k, n in gap.kinds.items()],
            "faq_url": faq_prefill_url(gap) if can_add_faq else "",
            "faq_review_url": faq_review_url(gap) if can_change_faq else "",
        }
        for rank, gap in enumerate(report.gaps[:GAPS_SHOWN], 1)
    ]
    context = {
        "form": form,
        "period": period,
        "report": report,
        "items": items,
        "table": gaps_table(report),
        "query": _query(period),
        "can_add_faq": can_add_faq,
        "simulated_notice": SIMULATED_NOTICE,
        "simulated_detail": SIMULATED_DETAIL,
    }
    return render(request, "insights/gaps.html", context)


FORMULA_STARTS = frozenset("=+-@\t\r")


def csv_value(value, column: Column) -> str:
    if value is None:
        return ""
    if column.kind == "percent":
        return f"{value * 100:.1f}".replace(".", ",")
    if column.kind in {"hours", "minutes", "float"}:
        return f"{value:.2f}".replace(".", ",")
    if column.kind == "ms":
        return f"{value:.0f}"
    text = str(value)
    # A spreadsheet runs a cell starting with one of these as a formula (« =HYPERLINK(…) » typed as a question):
    # a leading apostrophe makes it text again (OWASP, CSV injection).
    return f"'{text}" if isinstance(value, str) and text[:1] in FORMULA_STARTS else text


def csv_response(table: Table, period: Period) -> HttpResponse:
    """A CSV file as French spreadsheets open it: UTF-8 with BOM, « ; » separator, decimal comma."""
    name = f"relais-{table.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow([c.title + (EXPORT_SUFFIX.get(c.kind, "") if "(" not in c.title else "") for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_value(v, c) for v, c in zip(row, table.columns, strict=True)])
    return response


@dashboard_required
def export(request: HttpRequest, slug: str) -> HttpResponse:
    _form, period = _period(request)
    if slug == "lacunes":
        return csv_response(gaps_table(gaps_for_page(period)), period)
    if slug not in TABLES:
        raise Http404("Tableau inconnu.")
    return csv_response(TABLES[slug](measure(period)), period)


@dashboard_required
def report(request: HttpRequest, fmt: str) -> HttpResponse:
    """The trial report of the chosen period, as PDF (download) or HTML (to read or print)."""
    from relais.engine.writers.fonts import FontsMissing
    from relais.insights.fonts import pdf_unavailable
    from relais.insights.report import build, file_stem, render_html, render_pdf

    if fmt not in {"pdf", "html"}:
        raise Http404("Format inconnu : pdf ou html.")
    _form, period = _period(request)
    data = build(period, in_request=True)
    if fmt == "pdf":
        try:
            pdf = render_pdf(data)
        except FontsMissing as error:
            return pdf_unavailable(request, error)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{file_stem(period)}.pdf"'
        return response
    return HttpResponse(render_html(data))
