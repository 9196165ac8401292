"""The « Diagnostic numérique » report, HTML and PDF, as the trial report (relais.insights.report) is made: same
fonts, same layout rules, French, dated, with the town's name. Built from the same figures as the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from relais.diagnostic import charts, roadmap
from relais.diagnostic.bridge import Comparison, compare
from relais.diagnostic.charts import Table
from relais.diagnostic.models import Campaign, Service
from relais.diagnostic.opportunities import RatedTask, rated_tasks
from relais.diagnostic.progress import ServiceProgress, progress
from relais.diagnostic.scoring import Kind

TOP_OPPORTUNITIES = 30  # the PDF lists these; the HTML lists every recommended task


@dataclass
class DiagnosisReport:
    campaign: Campaign
    town: str
    generated: date
    rows: list[ServiceProgress]
    rated: list[RatedTask]
    chantiers: list = field(default_factory=list)
    awareness: list = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)

    @property
    def title(self) -> str:
        return " — ".join(filter(None, ["Diagnostic numérique", f"Mairie de {self.town}" if self.town else ""]))

    @property
    def opportunities(self) -> list[RatedTask]:
        """Recommended tasks, best first (the ranking already puts them first)."""
        return [r for r in self.rated if r.opportunity.kind is not Kind.NOT_RECOMMENDED]

    @property
    def hours(self) -> float:
        return sum(r.opportunity.hours_per_year for r in self.rated)

    @property
    def saved(self) -> float:
        return sum(r.opportunity.saved_hours for r in self.rated)


def build(campaign: Campaign, today: date | None = None) -> DiagnosisReport:
    from relais.insights.measure import Period, measure

    services = Service.objects.all()
    rated = rated_tasks(campaign)
    linked = any(r.task.collection_id or r.task.procedure_id for r in rated)
    return DiagnosisReport(
        campaign=campaign,
        town=settings.RELAIS.town_name,
        generated=today or timezone.localdate(),
        rows=progress(campaign, services),
        rated=rated,
        chantiers=roadmap.chantiers(campaign),
        awareness=roadmap.awareness(campaign, services),
        comparisons=compare(measure(Period.default(today)), campaign) if linked else [],
    )


def file_stem(data: DiagnosisReport) -> str:
    return f"diagnostic-numerique-{data.generated:%Y%m%d}"


def _n(value: float) -> str:
    """Whole hours with a French thousands space: 23146 → « 23 146 »."""
    return f"{value:,.0f}".replace(",", "\u202f")


def service_summary(data: DiagnosisReport) -> Table:
    table = Table("synthese-services", "Synthèse par service",
                  ["Service", "État", "Outils", "Tâches", "Heures par an", "Heures gagnables", "Part gagnable",
                   "Tâches à haut risque", "Meilleure opportunité"])  # fmt: skip
    for row in data.rows:
        own = [r for r in data.rated if r.task.service_id == row.service.pk]
        hours, saved = sum(r.opportunity.hours_per_year for r in own), sum(r.opportunity.saved_hours for r in own)
        best = next((r for r in own if r.opportunity.kind is not Kind.NOT_RECOMMENDED), None)
        table.rows.append([
            row.service.name, row.status, str(row.tools), str(row.tasks), _n(hours), _n(saved),
            f"{saved / hours:.0%}".replace("%", "\u00a0%") if hours else "—",
            str(sum(1 for r in own if r.opportunity.high_risk)),
            f"{best.task.title} ({best.opportunity.score})" if best else "—",
        ])  # fmt: skip
    return table


def opportunities_table(data: DiagnosisReport, limit: int | None = None) -> Table:
    table = Table("opportunites", "Opportunités, la meilleure d'abord, avec leurs raisons",
                  ["Rang", "Tâche", "Service", "Heures par an", "Score", "Risque", "Recommandation",
                   "Heures gagnables", "Raisons"])  # fmt: skip
    for k, r in enumerate(data.opportunities[:limit], 1):
        o = r.opportunity
        table.rows.append([str(k), r.task.title, r.task.service.name, _n(o.hours_per_year), str(o.score),
                           o.risk.value, o.label, _n(o.saved_hours), " ; ".join(o.reasons)])  # fmt: skip
    return table


def bridge_table(data: DiagnosisReport) -> Table:
    table = Table("estimation-mesure", "Heures par an estimées par le diagnostic et mesurées par Relais",
                  ["Tâche", "Service", "Relié à", "Estimées", "Mesurées", "Écart", "Lecture"])  # fmt: skip
    for c in data.comparisons:
        table.rows.append([c.task.title, c.task.service.name, c.link, _n(c.estimated), _n(c.measured), c.error_text,
                           c.verdict])  # fmt: skip
    return table


def _sentences(data: DiagnosisReport) -> dict[str, str]:
    sent = sum(1 for r in data.rows if r.submitted_at)
    high = sum(1 for r in data.rated if r.opportunity.high_risk)
    share = f"{data.saved / data.hours:.0%}".replace("%", "\u00a0%") if data.hours else "—"
    return {
        "scope": (
            f"{len(data.rows)} services, {sent} diagnostics transmis ; {len(data.rated)} tâches décrites, "
            f"{_n(data.hours)} heures par an. Heures gagnables estimées : {_n(data.saved)} ({share}). "
            f"{high} tâche(s) décident de la situation de personnes : usage à haut risque, jamais automatisé, au plus "
            "une assistance sous contrôle humain."
        ),
        "method": (
            "Heures par an = fréquence par mois × 12 × minutes ÷ 60. Potentiel = 60 % × (répétitivité − 1) ÷ 4 + "
            "40 % × (données numériques − 1) ÷ 4. Risque : élevé si la tâche décide de la situation d'une personne, "
            "modéré avec des données personnelles. Score (0 à 100) = 100 × potentiel × volume × facteur de risque "
            "(volume = log(1 + heures) ÷ log(1 001), au plus 1 ; facteur 1, 0,8 ou 0,5). Heures gagnables = heures × "
            "potentiel × part gagnable de la recommandation : des hypothèses, vérifiées par ce que Relais mesure "
            "(section 6)."
        ),
        "roadmap": (
            f"{len(data.chantiers)} chantier(s), dans l'ordre où les lancer : le plus grand écart valeur − effort "
            "d'abord. Quadrants : " + " ; ".join(f"{k} ({v})" for k, v in roadmap.QUADRANT_HINTS.items()) + "."
        ),
        "bridge": (
            "Pour chaque tâche reliée à une collection ou à une démarche guidée de Relais, sur les 90 derniers jours "
            "ramenés à l'année : les heures gagnables estimées et les heures économisées mesurées. Écart = "
            "(estimation − mesure) ÷ mesure."
            if data.comparisons
            else "Aucune tâche n'est encore reliée à une collection ou à une démarche guidée de Relais : rien à "
            "comparer pour l'instant."
        ),
    }


def render_html(data: DiagnosisReport) -> str:
    return render_to_string(
        "diagnostic/report.html",
        {
            "data": data,
            "text": _sentences(data),
            "summary": service_summary(data),
            "maturity": charts.maturity_table(data.campaign, [r.service for r in data.rows]),
            "heat": charts.heat_map(data.rated),
            "matrix": charts.matrix(data.chantiers),
            "opportunities": opportunities_table(data),
            "bridge": bridge_table(data),
            "town_color": settings.RELAIS.town_color,
        },
    )


# ---------------------------------------------------------------- PDF


def render_pdf(data: DiagnosisReport) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    from relais.engine.writers.fonts import use_report_fonts

    pdf = FPDF(format="A4", orientation="landscape")
    family = use_report_fonts(pdf)  # FontsMissing, naming the package, when DejaVu is not installed
    pdf.set_title(data.title)
    pdf.set_author(f"Mairie de {data.town}" if data.town else "Relais")
    pdf.set_creator("Relais")
    pdf.set_lang("fr")
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    text = _sentences(data)

    def heading(label: str) -> None:
        pdf.ln(3)
        pdf.set_font(family, "B", 14)
        pdf.multi_cell(0, 7, label, new_x="LMARGIN", new_y="NEXT")
        pdf.start_section(label, level=0, strict=False)

    def paragraph(body: str) -> None:
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 5, body, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def table(t: Table, widths: tuple | None = None) -> None:
        pdf.set_font(family, "", 7.5)
        style = FontFace(emphasis="BOLD", fill_color=(232, 240, 239))
        with pdf.table(col_widths=widths, headings_style=style, line_height=4) as grid:
            for values in [t.columns, *t.rows]:
                row = grid.row()
                for value in values:
                    row.cell(value)
        pdf.ln(2)

    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 9, "Diagnostic numérique", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 12)
    subtitle = f"Campagne « {data.campaign.name} ». Rapport édité le {data.generated:%d/%m/%Y}."
    pdf.multi_cell(0, 6, " · ".join(filter(None, [f"Mairie de {data.town}" if data.town else "", subtitle])),
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    heading("1. Synthèse par service")
    paragraph(text["scope"])
    table(service_summary(data), (30, 30, 14, 14, 22, 22, 18, 20, 97))
    heading("2. Méthode")
    paragraph(text["method"])
    heading("3. Maturité numérique par service")
    table(charts.maturity_table(data.campaign, [r.service for r in data.rows]))
    heading("4. Heures par service et par recommandation")
    paragraph("Le tableau de la carte des heures (la carte elle-même est dans la version HTML).")
    table(charts.heat_map(data.rated)["table"])
    heading(f"5. Opportunités, la meilleure d'abord ({min(TOP_OPPORTUNITIES, len(data.opportunities))} premières)")
    table(opportunities_table(data, TOP_OPPORTUNITIES), (10, 52, 24, 16, 12, 14, 34, 16, 89))
    heading("6. Estimation du diagnostic et mesure de Relais")
    paragraph(text["bridge"])
    if data.comparisons:
        table(bridge_table(data), (70, 24, 50, 20, 20, 18, 65))
    heading("7. Feuille de route des chantiers")
    paragraph(text["roadmap"])
    _pdf_matrix(pdf, family, data.chantiers)
    table(charts.matrix_table(data.chantiers), (10, 70, 30, 18, 18, 32, 20, 50, 19))
    heading("8. Sensibilisation et groupes de travail")
    table(awareness_table(data))
    return bytes(pdf.output())


def awareness_table(data: DiagnosisReport) -> Table:
    table = Table("sensibilisation", "Sensibilisation et groupes de travail, service par service",
                  ["Service", "Séminaire des encadrants", "Sessions de sensibilisation", "Agents sensibilisés",
                   "Séances du groupe de travail"])  # fmt: skip
    for a in data.awareness:
        seminar = f"oui ({a.seminar_attendees})" if a.attended_seminar else "non"
        table.rows.append([a.service.name, seminar, str(a.sessions), str(a.session_attendees), str(a.group_sessions)])
    return table


def _pdf_matrix(pdf, family: str, rows) -> None:
    """The value × effort grid, numbered discs and dashed quadrant lines, as the SVG draws it."""
    if not rows:
        return
    cell_w, cell_h = 22, 11
    if pdf.get_y() + 5 * cell_h + 14 > pdf.h - pdf.b_margin:
        pdf.add_page()
    left, top = pdf.l_margin + 14, pdf.get_y() + 2
    pdf.set_font(family, "", 8)
    pdf.set_draw_color(150, 150, 150)
    for k in range(5):
        for j in range(5):
            pdf.rect(left + k * cell_w, top + j * cell_h, cell_w, cell_h)
        pdf.text(left + k * cell_w + cell_w / 2 - 1, top + 5 * cell_h + 4, str(k + 1))
        pdf.text(left - 4, top + k * cell_h + cell_h / 2 + 1, str(5 - k))
    pdf.set_draw_color(0, 0, 0)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(left + roadmap.LOW_EFFORT * cell_w, top, left + roadmap.LOW_EFFORT * cell_w, top + 5 * cell_h)
    split_y = top + (5 - roadmap.HIGH_VALUE + 1) * cell_h
    pdf.line(left, split_y, left + 5 * cell_w, split_y)
    pdf.set_dash_pattern()
    placed: dict[tuple[int, int], int] = {}
    for c in rows:
        k = placed.get((c.effort, c.value), 0)
        placed[(c.effort, c.value)] = k + 1
        x = left + (c.effort - 1) * cell_w + 4 + (k % 3) * 6.5
        y = top + (5 - c.value) * cell_h + 3 + (k // 3) * 5
        pdf.circle(x=x, y=y, radius=2.5, style="D")  # x, y: the upper-left corner of its box
        pdf.set_xy(x, y + 0.5)
        pdf.cell(5, 4, str(c.number), align="C")
    pdf.text(left + 5 * cell_w + 4, top + 4, "Valeur de bas en haut (1 à 5), effort de gauche à droite (1 à 5).")
    pdf.text(left + 5 * cell_w + 4, top + 9, "Chaque numéro renvoie au tableau ci-dessous.")
    pdf.set_y(top + 5 * cell_h + 8)
