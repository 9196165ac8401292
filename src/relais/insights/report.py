"""The trial report (« période d'évaluation »): HTML and PDF, in French, dated, with the town's name.

Method, volumes, deflection, hours saved against the target per service, satisfaction, the main knowledge
gaps and charter incidents (abstentions, personal data masked in questions, personal situations directed to
a person, any personal data left in the log), with a chart; then the citizens' assistant, apart from the agents.
Built from the same tables as the dashboard (relais.insights.measure), so the two never disagree.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from relais.assistant.models import Exchange
from relais.engine.privacy.pii import find_pii
from relais.engine.writers.fonts import use_report_fonts
from relais.insights import charts
from relais.insights.gaps import GapReport, find_gaps, gaps_for_page
from relais.insights.measure import (
    SIMULATED_DETAIL,
    SIMULATED_NOTICE,
    Measure,
    Period,
    Table,
    measure,
    pct,
    savings_by_service,
    service_name,
    uncertainty_text,
    usage_by_service,
    visitors_formula,
    visitors_uncertainty,
)
from relais.insights.templatetags.insights_format import format_cell

PII_LABELS = {
    "nir": "numéro de sécurité sociale", "iban": "IBAN", "card": "numéro de carte bancaire", "phone": "téléphone",
    "email": "adresse électronique", "birthdate": "date de naissance", "address": "adresse postale",
    "health": "information de santé", "password": "mot de passe",
}  # fmt: skip
TOP_GAPS = 10
# The report's tables keep the columns its reader needs, in the HTML as on the PDF's A4 page: the dashboard and
# its CSV exports have them all (a 17-column table ran past the right edge of the HTML report).
USAGE_REPORT_COLUMNS = (0, 1, 5, 6, 8, 9, 10, 11, 16)  # service, questions, abstentions, tickets… agents
SAVINGS_REPORT_COLUMNS = (0, 1, 2, 3, 4, 5, 6, 7)  # service … share of the target reached


@dataclass
class ReportData:
    period: Period
    town: str
    generated: date
    m: Measure
    gaps: GapReport
    pii: Counter  # type of personal data → questions of the period where the guard masked one
    pii_questions: int  # questions with personal data masked before processing
    situations: int  # personal situations (health, discipline) directed to a person
    unmasked: int  # questions of the log in which the guard still finds personal data

    @property
    def town_hall(self) -> str:
        """« Mairie de … », or nothing when no town name is set."""
        return f"Mairie de {self.town}" if self.town else ""

    @property
    def title(self) -> str:
        return " — ".join(filter(None, ["Relais — rapport de la période d'évaluation", self.town_hall]))

    @property
    def savings_table(self) -> Table:
        return savings_by_service(self.m)

    @property
    def usage_table(self) -> Table:
        return usage_by_service(self.m)


def build(period: Period, today: date | None = None, *, in_request: bool = False) -> ReportData:
    """The report's data; `in_request`: the gaps as the pages have them (never embedding inside a request)."""
    m = measure(period)
    masked: Counter = Counter()
    masked_questions = situations = 0
    ids = [row.id for row in m.exchanges]
    for start in range(0, len(ids), 500):
        for types, situation in Exchange.objects.filter(pk__in=ids[start : start + 500]).values_list(
            "masked_pii", "personal_situation"
        ):
            masked_questions += bool(types)
            masked.update(set(types or []))
            situations += bool(situation)
    # The guard masks before logging: anything it finds in the log now slipped through (older rows, a new rule).
    left = sum(1 for row in m.exchanges if find_pii(row.question))
    return ReportData(
        period=period,
        town=settings.RELAIS.town_name,
        generated=today or timezone.localdate(),
        m=m,
        gaps=gaps_for_page(period) if in_request else find_gaps(period),
        pii=masked,
        pii_questions=masked_questions,
        situations=situations,
        unmasked=left,
    )


def file_stem(period: Period) -> str:
    return f"rapport-relais-{period.start:%Y%m%d}-{period.end:%Y%m%d}"


def _sentences(data: ReportData) -> dict[str, str]:
    m, f = data.m, data.m.overall
    low, high = f.deflection_interval
    return {
        "method": (
            "Relais enregistre chaque question posée, la réponse donnée (FAQ validée, extrait des documents, réponse "
            "générée) ou l'abstention, l'avis 👍/👎 de l'agent et les demandes ouvertes ensuite aux services. Une "
            "question compte comme une demande évitée (déflexion) quand Relais a répondu, que l'agent n'a pas jugé "
            f"la réponse inutile et n'a pas ouvert de demande au même service dans les {m.deflection_days} jours. "
            "Heures économisées = Σ par catégorie (déflexions × durée moyenne de traitement de la catégorie) ÷ 60. "
            "Part du temps = heures économisées ÷ heures de référence du service sur la période (ses heures mensuelles "
            f"sur ces demandes avant l'assistant × nombre de mois). Part de l'objectif = part du temps ÷ "
            f"{pct(m.target)}."
        ),
        "uncertainty": uncertainty_text(m),
        "volumes": (
            f"{f.questions} questions posées par {f.active_agents} agents ; {f.answered} réponses "
            f"({f.by_mode.get('faq', 0)} par la FAQ validée, {f.by_mode.get('extractive', 0)} par extraits des "
            f"documents, {f.by_mode.get('generated', 0)} générées) et {f.abstentions} abstentions "
            f"({pct(f.abstention_rate)}). Temps de réponse médian : {format_cell(f.median_latency_ms, 'ms')}. "
            f"{f.repeat_questions} questions avaient déjà été posées sur la période, dont {f.repeat_same_agent} par "
            "le même agent."
        ),
        "deflection": (
            f"{f.deflected} demandes évitées sur {f.questions} questions : taux de déflexion {pct(f.deflection_rate)} "
            f"(intervalle de confiance à 95 % : {pct(low)} – {pct(high)}). {f.tickets_after_answer} réponses ont été "
            f"suivies d'une demande au service, {f.tickets_after_abstention} abstentions aussi."
        ),
        "savings": (
            f"Heures économisées : {format_cell(m.hours, 'hours')} (fourchette {format_cell(m.hours_low, 'hours')} – "
            f"{format_cell(m.hours_high, 'hours')}), soit {pct(m.share, 1)} du temps de référence des services "
            f"mesurés et {pct(m.of_target)} de l'objectif de {pct(m.target)}."
        ),
        "satisfaction": (
            f"{f.rated} réponses notées sur {f.answered} ({pct(f.feedback_rate)}) : {f.up} avis positifs "
            f"({pct(f.up_rate)}) et {f.down} avis négatifs ({pct(f.down_rate)})."
            + (
                " Raisons des avis négatifs : "
                + ", ".join(f"{_reason(reason)} ({count})" for reason, count in f.reasons.items())
                + "."
                if f.reasons
                else ""
            )
        ),
        "gaps": (
            f"{data.gaps.unsettled} questions non réglées (abstentions, réponses jugées inutiles, demandes "
            f"transmises), regroupées en {len(data.gaps.gaps)} thèmes posés au moins deux fois ; les "
            f"{min(TOP_GAPS, len(data.gaps.gaps))} plus fréquents ci-dessous, avec le service qui en a la charge."
        ),
        "charter": (
            f"Abstentions : {f.abstentions} ({pct(f.abstention_rate)}) — Relais a dit ne pas savoir plutôt que "
            "d'inventer, et a indiqué qui contacter. Données personnelles saisies dans les questions et masquées "
            "avant tout traitement : "
            + (
                f"{data.pii_questions} question(s) ("
                + ", ".join(f"{PII_LABELS.get(k, k)} : {n}" for k, n in data.pii.most_common())
                + ")"
                if data.pii_questions
                else "aucune"
            )
            + f". Situations personnelles (santé, discipline) orientées vers un interlocuteur : {data.situations}. "
            + (
                f"Questions du journal où le filtre trouve encore des données personnelles : {data.unmasked} — à "
                "vérifier et purger."
                if data.unmasked
                else "Dans les questions du journal de la période, le filtre ne trouve plus de donnée personnelle "
                "(il ne reconnaît que les types listés ci-dessus)."
            )
        ),
    }


def visitors_sentences(m: Measure) -> dict[str, str]:
    """The section « Assistant des citoyens »: the visitors' questions, apart from the agents' (issue 20)."""
    v = m.visitors
    if v is None:
        return {}
    t = v.total
    outside = (
        f"{t.outside_hours} posées hors des heures d'ouverture de la mairie ({pct(v.outside_share)})"
        if v.hours_known
        else "les questions posées hors des heures d'ouverture ne sont pas mesurées : les horaires de l'accueil "
        "de la mairie ne sont pas renseignés"
    )
    return {
        "visitors": (
            f"{t.questions} questions posées par les visiteurs du site de la commune, comptées à part de celles "
            f"des agents : {t.answered} réponses ({pct(v.answered_share)}), {t.handovers} orientées vers un "
            f"service ({pct(v.handover_share)}), {t.screened} écartées par le filtre ; {outside}. Appels ou "
            f"visites évités, estimés : entre {v.calls_low} et {v.calls_high}."
        ),
        "visitors_formula": f"Appels évités = {visitors_formula(v)}",
        "visitors_uncertainty": visitors_uncertainty(v),
    }


def _reason(code: str) -> str:
    from relais.insights.measure import REASON_LABELS

    return REASON_LABELS.get(code, code).lower()


def target_bars(m: Measure) -> list[charts.Bar]:
    return [
        charts.Bar(
            service_name(s.service),
            s.of_target or 0,
            f"{pct(s.of_target)} ({pct(s.of_target_low)} – {pct(s.of_target_high)})",
            s.of_target_low,
            s.of_target_high,
        )
        for s in sorted(m.measured_savings, key=lambda s: s.service)
    ]


def report_columns(table: Table, columns: tuple[int, ...]) -> Table:
    """The table with only these columns, in this order."""
    return Table(
        table.slug,
        table.caption,
        [table.columns[k] for k in columns],
        [[row[k] for k in columns] for row in table.rows],
        table.note,
    )


def render_html(data: ReportData) -> str:
    bars = target_bars(data.m)
    chart = charts.horizontal_bars(
        "rapport-objectif",
        f"Part de l'objectif de {pct(data.m.target)} atteinte par service : "
        + ("; ".join(f"{b.label} {b.text}" for b in bars) or "aucun service n'a de référence")
        + ". Détail dans le tableau qui suit.",
        bars,
        reference=1.0,
        reference_label=f"objectif : {pct(data.m.target)} du temps",
    )
    return render_to_string(
        "insights/report.html",
        {
            "data": data,
            "text": {**_sentences(data), **visitors_sentences(data.m)},
            "chart": chart,
            "savings": report_columns(data.savings_table, SAVINGS_REPORT_COLUMNS),
            "usage": report_columns(data.usage_table, USAGE_REPORT_COLUMNS),
            "gaps": data.gaps.gaps[:TOP_GAPS],
            "town_color": settings.RELAIS.town_color,
            "simulated_notice": SIMULATED_NOTICE,
            "simulated_detail": SIMULATED_DETAIL,
        },
    )


# ---------------------------------------------------------------- PDF


def _pdf_cell(value, kind: str) -> str:
    return _no_emoji(format_cell(value, kind))


def _no_emoji(text: str) -> str:
    """The PDF font has no emoji: the words instead."""
    for emoji, words in (
        (" (👎)", ""), ("👍/👎", "positif ou négatif"), ("un 👍", "un avis positif"),
        ("👎 compris", "avis négatifs compris"), ("👍", "avis positifs"), ("👎", "avis négatifs"),
    ):  # fmt: skip
        text = text.replace(emoji, words)
    return text


def render_pdf(data: ReportData) -> bytes:
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    pdf = FPDF(format="A4")
    family = use_report_fonts(pdf)  # FontsMissing, naming the package, when DejaVu is not installed
    pdf.set_title(data.title)
    pdf.set_author(data.town_hall or "Relais")
    pdf.set_creator("Relais")
    pdf.set_lang("fr")
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    text = {k: _no_emoji(v) for k, v in {**_sentences(data), **visitors_sentences(data.m)}.items()}

    def heading(label: str, size: int = 14) -> None:
        pdf.ln(3)
        pdf.set_font(family, "B", size)
        pdf.multi_cell(0, 7, label, new_x="LMARGIN", new_y="NEXT")
        if size >= 14:
            pdf.start_section(label, level=0, strict=False)
        pdf.set_font(family, "", 10)

    def paragraph(body: str) -> None:
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 5, body, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def table(t: Table, columns: list[int] | None = None, widths: tuple | None = None) -> None:
        picked = columns or list(range(len(t.columns)))
        pdf.set_font(family, "", 8)
        with pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=(232, 240, 239)),
            line_height=4.5,
            text_align=["LEFT" if t.columns[k].kind == "text" else "RIGHT" for k in picked],
        ) as grid:
            row = grid.row()
            for k in picked:
                row.cell(_no_emoji(t.columns[k].title))
            for values in t.rows:
                row = grid.row()
                for k in picked:
                    row.cell(_pdf_cell(values[k], t.columns[k].kind))
        pdf.ln(2)

    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 9, "Relais — rapport de la période d'évaluation", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 12)
    if data.town_hall:
        pdf.multi_cell(0, 6, data.town_hall, new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(
        0, 6, f"Période {data.period.label}. Rapport édité le {data.generated:%d/%m/%Y}.", new_x="LMARGIN", new_y="NEXT"
    )
    if data.period.service:
        pdf.multi_cell(0, 6, f"Service : {data.period.service}", new_x="LMARGIN", new_y="NEXT")
    if data.m.simulated:
        pdf.ln(2)
        pdf.set_font(family, "B", 12)
        pdf.multi_cell(0, 6, SIMULATED_NOTICE, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, "", 10)
        pdf.multi_cell(0, 5, SIMULATED_DETAIL[0].upper() + SIMULATED_DETAIL[1:], new_x="LMARGIN", new_y="NEXT")

    heading("1. Méthode")
    paragraph(text["method"])
    paragraph(text["uncertainty"])
    heading("2. Volumes")
    paragraph(text["volumes"])
    usage = data.usage_table
    table(usage, list(USAGE_REPORT_COLUMNS), (24, 18, 20, 24, 20, 18, 16, 16, 18))
    heading("3. Déflexion")
    paragraph(text["deflection"])
    heading(f"4. Heures économisées et objectif de {pct(data.m.target)} par service")
    paragraph(text["savings"])
    _pdf_bars(pdf, family, target_bars(data.m), data.m.target)
    savings = data.savings_table
    table(savings, list(SAVINGS_REPORT_COLUMNS), (24, 18, 22, 20, 20, 26, 22, 22))
    paragraph(_no_emoji(savings.note))
    heading("5. Satisfaction")
    paragraph(text["satisfaction"])
    heading("6. Principales lacunes de la documentation")
    paragraph(text["gaps"])
    if data.gaps.gaps:
        from relais.engine.measure.knowledge_gaps import GAP_STATUS_LABELS

        gaps = Table(
            "lacunes",
            "",
            [_col("Rang", "int"), _col("Thème"), _col("Questions", "int"), _col("Service"), _col("Statut")],
            [
                [k, g.label, g.volume, service_name(g.service), GAP_STATUS_LABELS[g.status]]
                for k, g in enumerate(data.gaps.gaps[:TOP_GAPS], 1)
            ],
        )
        table(gaps, None, (12, 96, 20, 22, 24))
    heading("7. Incidents au regard de la charte")
    paragraph(text["charter"])
    if "visitors" in text:
        heading("8. Assistant des citoyens")
        for name in ("visitors", "visitors_formula", "visitors_uncertainty"):
            paragraph(text[name])
    return bytes(pdf.output())


def _col(title: str, kind: str = "text"):
    from relais.insights.measure import Column

    return Column(title, kind)


def _pdf_bars(pdf, family: str, bars: list[charts.Bar], target: float) -> None:
    """Bars of the share of the target reached, value written, hatched range, dashed target line."""
    if not bars:
        return
    left, width, row = pdf.l_margin + 28, 95, 9
    top_value = max([b.high or 0 for b in bars] + [b.value for b in bars] + [1.0])
    scale = width / top_value
    y0 = pdf.get_y() + 2
    if y0 + row * len(bars) + 12 > pdf.h - pdf.b_margin:
        pdf.add_page()
        y0 = pdf.get_y() + 2
    pdf.set_font(family, "", 9)
    fill_before = pdf.fill_color  # restored below: fpdf's tables fill every later cell with the current colour
    for k, bar in enumerate(bars):
        y = y0 + k * row
        pdf.set_xy(pdf.l_margin, y + 1)
        pdf.cell(26, 5, bar.label, align="R")
        pdf.set_fill_color(31, 95, 91)
        pdf.rect(left, y + 1, bar.value * scale, 5.5, style="DF")
        if bar.low is not None and bar.high is not None:
            pdf.set_draw_color(0, 0, 0)
            pdf.set_line_width(0.5)
            x1, x2 = left + bar.low * scale, left + bar.high * scale
            pdf.line(x1, y + 3.75, x2, y + 3.75)
            pdf.line(x1, y + 2, x1, y + 5.5)
            pdf.line(x2, y + 2, x2, y + 5.5)
            pdf.set_line_width(0.2)
        pdf.set_xy(left + max(bar.value, bar.high or 0) * scale + 2, y + 1)
        pdf.cell(60, 5, bar.text)
    x = left + 1.0 * scale
    bottom = y0 + row * len(bars)
    pdf.set_dash_pattern(dash=1.5, gap=1)
    pdf.line(x, y0, x, bottom)
    pdf.set_dash_pattern()
    pdf.set_xy(x - 30, bottom + 1)
    pdf.cell(60, 4, f"objectif : {pct(target)} du temps", align="C")
    pdf.set_fill_color(fill_before)
    pdf.set_y(bottom + 8)
