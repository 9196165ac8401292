"""Pictures of the diagnosis, readable without colour: every figure is written in the picture, and each one comes with
its data table (the template prints it right after). Same conventions as relais.insights.charts: inline SVG, role="img",
an accessible name that summarises the picture and points to the table.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from relais.diagnostic.models import Campaign, Practice, Service, Task, Tool
from relais.diagnostic.scoring import KIND_LABELS, Kind

INK = "#1b1b1b"
AXES = ["Outils (satisfaction)", "Compétences numériques", "Données numériques", "Tâches outillées"]
# Column heads of the heat map, two short lines each (the table after it gives the full names).
SHORT_KINDS = {
    Kind.KNOWLEDGE_BASE: ("Base de", "connaissances"),
    Kind.PROCEDURE: ("Démarche", "guidée"),
    Kind.DRAFTING: ("Aide à la", "rédaction"),
    Kind.AUTOMATION: ("Automatisation", "hors Relais"),
    Kind.HUMAN_REVIEW: ("Sous contrôle", "humain"),
    Kind.NOT_RECOMMENDED: ("Non", "recommandé"),
}


NUMBER = re.compile(r"[\d\s\u00a0\u202f,.+−%h—-]*")


@dataclass
class Table:
    slug: str
    caption: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def _numeric(self) -> list[bool]:
        """A column is right-aligned when every value of it is a figure (« 1 158 », « 19 % », « — »)."""
        return [k > 0 and bool(self.rows) and all(NUMBER.fullmatch(str(r[k])) for r in self.rows)
                for k in range(len(self.columns))]  # fmt: skip

    @property
    def heads(self) -> list[tuple[str, bool]]:
        return list(zip(self.columns, self._numeric(), strict=True))

    @property
    def cells(self) -> list[list[tuple[str, bool]]]:
        numeric = self._numeric()
        return [list(zip(row, numeric, strict=True)) for row in self.rows]


def _svg(chart_id: str, width: int, height: int, label: str, body: str) -> SafeString:
    return mark_safe(
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-titre" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif">'
        f'<title id="{chart_id}-titre">{escape(label)}</title>{body}</svg>'
    )


def _text(x: float, y: float, text: str, anchor: str = "middle", size: int = 12, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" font-weight="{weight}" '
        f'fill="{INK}">{escape(text)}</text>'
    )


def _one(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",")


# Maturity: four axes scored 0–5 per service


def maturity(campaign: Campaign, service: Service) -> list[float | None]:
    """Tools' mean satisfaction; skills level; input already digital and share of task hours done with a tool,
    both weighted by the task's hours and brought to 0–5. None where the service has not answered yet."""
    tools = list(Tool.objects.filter(campaign=campaign, service=service).values_list("satisfaction", flat=True))
    practice = Practice.objects.filter(campaign=campaign, service=service).first()
    tasks = list(Task.objects.filter(campaign=campaign, service=service))
    weights = [float(t.frequency_per_month * t.minutes_per_occurrence) for t in tasks]
    total = sum(weights)
    digital = sum(w * t.digital_input for w, t in zip(weights, tasks, strict=True)) / total if total else None
    tooled = 5 * sum(w for w, t in zip(weights, tasks, strict=True) if t.tool) / total if total else None
    return [
        sum(tools) / len(tools) if tools else None,
        float(practice.skills_level) if practice else None,
        digital,
        tooled,
    ]


def maturity_table(campaign: Campaign, services: list[Service]) -> Table:
    table = Table("maturite", "Maturité numérique par service (0 à 5)", ["Service", *AXES])
    for service in services:
        table.rows.append([service.name, *[_one(v) for v in maturity(campaign, service)]])
    return table


def radar(chart_id: str, service: Service, values: list[float | None]) -> SafeString:
    """One axis per dimension, the value written at its point; the outline shows the service's shape."""
    cx, cy, radius = 380, 170, 120
    parts = []
    for level in range(1, 6):  # rings 1 to 5, dashed, numbered on the first axis
        r = radius * level / 5
        ring = " ".join(_point(cx, cy, r, k, len(AXES)) for k in range(len(AXES)))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#9aa09d" stroke-dasharray="3 3"/>')
        parts.append(_text(cx + 4, cy - r + 12, str(level), anchor="start", size=10))
    shape = []
    for k, (axis, value) in enumerate(zip(AXES, values, strict=True)):
        end = _xy(cx, cy, radius + 18, k, len(AXES))
        parts.append(f'<line x1="{cx}" y1="{cy}" x2="{end[0]:.1f}" y2="{end[1]:.1f}" stroke="{INK}"/>')
        anchor = "middle" if abs(end[0] - cx) < 1 else ("start" if end[0] > cx else "end")
        label_at = _xy(cx, cy, radius + 30, k, len(AXES))
        parts.append(_text(label_at[0], label_at[1] + 4, f"{axis} : {_one(value)}", anchor=anchor, weight="bold"))
        shape.append(_point(cx, cy, radius * (value or 0) / 5, k, len(AXES)))
    parts.append(f'<polygon points="{" ".join(shape)}" fill="none" stroke="{INK}" stroke-width="3"/>')
    for point in shape:
        x, y = point.split(",")
        parts.append(f'<circle cx="{x}" cy="{y}" r="5" fill="#fff" stroke="{INK}" stroke-width="2"/>')
    summary = "; ".join(f"{a} : {_one(v)} sur 5" for a, v in zip(AXES, values, strict=True))
    label = f"Maturité numérique du service {service.name} : {summary}. Détail dans le tableau qui suit."
    return _svg(chart_id, 760, 350, label, "".join(parts))


def _xy(cx: float, cy: float, r: float, k: int, n: int) -> tuple[float, float]:
    angle = -math.pi / 2 + 2 * math.pi * k / n
    return cx + r * math.cos(angle), cy + r * math.sin(angle)


def _point(cx: float, cy: float, r: float, k: int, n: int) -> str:
    x, y = _xy(cx, cy, r, k, n)
    return f"{x:.1f},{y:.1f}"


# Heat map: hours a year by service × recommendation


def heat_table(rated) -> tuple[list[str], list[Kind], dict[tuple[str, Kind], float]]:
    hours: dict[tuple[str, Kind], float] = {}
    for r in rated:
        key = (r.task.service.name, r.opportunity.kind)
        hours[key] = hours.get(key, 0.0) + r.opportunity.hours_per_year
    services = sorted({service for service, _ in hours})
    return services, list(Kind), hours


def _shade(share: float) -> tuple[int, str]:
    """Grey level and text colour of a cell: light greys under dark ink, dark greys under white, both at least
    4.5:1 (WCAG AA); the greys between, too weak for either ink, are skipped."""
    if share <= 0.6:
        return 255 - round(105 * share / 0.6), INK
    return 118 - round(63 * (share - 0.6) / 0.4), "#fff"


def heat_map(rated) -> dict:
    """The picture and its data table: each cell writes its hours; darker cells hold more (a second cue only)."""
    services, kinds, hours = heat_table(rated)
    table = Table("carte-heures", "Heures par an par service et par recommandation",
                  ["Service", *[KIND_LABELS[k] for k in kinds], "Total"])  # fmt: skip
    for s in services:
        cells = [hours.get((s, k), 0.0) for k in kinds]
        table.rows.append([s, *[f"{v:.0f}" for v in cells], f"{sum(cells):.0f}"])
    if not services:
        return {"svg": "", "table": table}
    left, top, cell_w, cell_h = 190, 70, 110, 30
    top_value = max(hours.values()) or 1
    parts = []
    for j, kind in enumerate(kinds):  # column heads, two lines
        for n, line in enumerate(SHORT_KINDS[kind]):
            parts.append(_text(left + j * cell_w + cell_w / 2, top - 30 + n * 15, line, size=11, weight="bold"))
    for i, s in enumerate(services):
        y = top + i * cell_h
        parts.append(_text(left - 8, y + 20, s[:26], anchor="end"))
        for j, kind in enumerate(kinds):
            value = hours.get((s, kind), 0.0)
            shade, ink = _shade(value / top_value)
            fill = f"rgb({shade},{shade},{shade})"
            x = left + j * cell_w
            parts.append(f'<rect x="{x}" y="{y}" width="{cell_w}" height="{cell_h}" fill="{fill}" stroke="{INK}"/>')
            parts.append(
                f'<text x="{x + cell_w / 2:.1f}" y="{y + 20}" text-anchor="middle" font-size="12" fill="{ink}">'
                f"{escape(f'{value:.0f} h' if value else '—')}</text>"
            )
    total = sum(hours.values())
    label = (
        f"Carte des heures par an : {len(services)} services en lignes, {len(kinds)} recommandations en colonnes, "
        f"{total:.0f} heures en tout ; chaque case écrit ses heures. Détail dans le tableau qui suit."
    )
    svg = _svg("carte-heures", left + cell_w * len(kinds) + 10, top + cell_h * len(services) + 10, label,
               "".join(parts))  # fmt: skip
    return {"svg": svg, "table": table}


# Value × effort matrix of the roadmap


def matrix_table(rows) -> Table:
    table = Table("matrice-valeur-effort", "Chantiers de la feuille de route, dans l'ordre où les lancer",
                  ["N°", "Chantier", "Service porteur", "Valeur (1 à 5)", "Effort (1 à 5)", "Quadrant", "Statut",
                   "Responsable", "Tâches"])  # fmt: skip
    for c in rows:
        table.rows.append([str(c.number), c.name, c.service.name, str(c.value), str(c.effort), c.quadrant,
                           c.get_status_display(), c.owner, str(len(c.tasks.all()))])  # fmt: skip
    return table


def matrix(rows) -> dict:
    """Effort across (1 left to 5 right), value up (1 bottom to 5 top); each chantier is a numbered disc in its
    cell, the number leading to the table; the dashed lines split the four quadrants, each named in its corner."""
    from relais.diagnostic.roadmap import FILL_IN, HIGH_VALUE, LOW_EFFORT, MAJOR, QUICK_WIN, RECONSIDER

    table = matrix_table(rows)
    if not rows:
        return {"svg": "", "table": table}
    left, top, cell_w, cell_h = 80, 30, 100, 74
    right, bottom = left + 5 * cell_w, top + 5 * cell_h
    parts = []
    for k in range(5):  # grid and scales
        for j in range(5):
            parts.append(f'<rect x="{left + k * cell_w}" y="{top + j * cell_h}" width="{cell_w}" height="{cell_h}" '
                         f'fill="#fff" stroke="#9aa09d"/>')  # fmt: skip
        parts.append(_text(left + k * cell_w + cell_w / 2, bottom + 18, str(k + 1), weight="bold"))
        parts.append(_text(left - 10, top + k * cell_h + cell_h / 2 + 4, str(5 - k), anchor="end", weight="bold"))
    split_x, split_y = left + LOW_EFFORT * cell_w, top + (5 - HIGH_VALUE + 1) * cell_h
    parts.append(f'<line x1="{split_x}" y1="{top}" x2="{split_x}" y2="{bottom}" stroke="{INK}" stroke-width="3" '
                 'stroke-dasharray="8 5"/>')  # fmt: skip
    parts.append(f'<line x1="{left}" y1="{split_y}" x2="{right}" y2="{split_y}" stroke="{INK}" stroke-width="3" '
                 'stroke-dasharray="8 5"/>')  # fmt: skip
    parts.append(_text((left + right) / 2, bottom + 40, "Effort (1 : quelques jours ; 5 : plusieurs mois)",
                       weight="bold"))  # fmt: skip
    parts.append(
        f'<text transform="translate(22 {(top + bottom) / 2}) rotate(-90)" text-anchor="middle" font-size="12" '
        f'font-weight="bold" fill="{INK}">Valeur (1 : faible ; 5 : majeure)</text>'
    )
    for label, x, y, anchor in [
        (QUICK_WIN, left + 6, top + 14, "start"),
        (MAJOR, right - 6, top + 14, "end"),
        (FILL_IN, left + 6, bottom - 6, "start"),
        (RECONSIDER, right - 6, bottom - 6, "end"),
    ]:
        parts.append(_text(x, y, label, anchor=anchor, size=11, weight="bold"))  # fmt: skip
    parts += _discs(rows, left, top, cell_w, cell_h)
    summary = "; ".join(f"n° {c.number} {c.name} : valeur {c.value}, effort {c.effort} ({c.quadrant})" for c in rows)
    label = f"Matrice valeur × effort de {len(rows)} chantiers : {summary}. Détail dans le tableau qui suit."
    return {"svg": _svg("matrice-valeur-effort", right + 20, bottom + 52, label, "".join(parts)), "table": table}


def _discs(rows, left: int, top: int, cell_w: int, cell_h: int) -> list[str]:
    """Up to three discs a line in a cell, below its quadrant label; more chantiers in one cell wrap."""
    by_cell: dict[tuple[int, int], list] = {}
    for c in rows:
        by_cell.setdefault((c.effort, c.value), []).append(c)
    parts = []
    for (effort, value), group in by_cell.items():
        x0, y0 = left + (effort - 1) * cell_w, top + (5 - value) * cell_h
        for k, c in enumerate(group[:6]):
            x, y = x0 + 20 + (k % 3) * 30, y0 + 32 + (k // 3) * 28
            parts.append(f'<circle cx="{x}" cy="{y}" r="12" fill="#fff" stroke="{INK}" stroke-width="2"/>')
            parts.append(_text(x, y + 4, str(c.number), size=11, weight="bold"))
        if len(group) > 6:
            parts.append(_text(x0 + cell_w - 4, y0 + cell_h - 6, f"+{len(group) - 6}", anchor="end", size=11))
    return parts
