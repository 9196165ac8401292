"""Inline SVG charts: a text name, values written, labels whole, series told apart by patterns, text escaped."""

from pathlib import Path
from xml.etree import ElementTree

import pytest

from relais.insights.charts import Bar, horizontal_bars, stacked_columns


def test_bars_have_a_name_values_a_range_and_a_reference_line():
    svg = horizontal_bars(
        "c",
        "Part de l'objectif <atteinte>",
        [Bar("RH", 0.8, "80 %", 0.3, 0.9), Bar("DSI", 1.2, "120 %")],
        1.0,
        "objectif",
    )
    assert svg.startswith('<svg class="chart" id="c" role="img" aria-labelledby="c-titre"')
    assert '<title id="c-titre">Part de l&#x27;objectif &lt;atteinte&gt;</title>' in svg
    assert ">80 %</text>" in svg and ">120 %</text>" in svg and ">objectif</text>" in svg
    assert 'stroke-dasharray="6 4"' in svg and svg.count('stroke="#fff" stroke-width="5"') == 1  # one range


def test_stacked_columns_use_patterns_and_a_legend():
    svg = stacked_columns("e", "Questions", [("2026-S45", [3, 1, 1]), ("2026-S46", [2, 0, 4])], ["A", "B", "C"])
    assert "url(#e-hatch)" in svg and "url(#e-dots)" in svg
    assert ">A (plein)</text>" in svg and ">B (hachures)</text>" in svg and ">C (points)</text>" in svg
    assert ">5</text>" in svg and ">6</text>" in svg  # totals written above the columns
    assert ">S45</text>" in svg and "<script" not in svg


SVG = "{http://www.w3.org/2000/svg}"
LONG = [
    Bar("RH › Congés et temps de travail", 3.5, "3,5 h"),
    Bar("Direction des systèmes d'information › Messagerie et visioconférence", 1.25, "1,3 h"),
]


def dejavu(size: int):
    """The widest usual sans-serif face (the one the PDFs use): a label that fits it fits system-ui."""
    from PIL import ImageFont

    from relais.engine.writers.fonts import FONT_DIRS

    for folder in FONT_DIRS:
        path = Path(folder) / "DejaVuSans.ttf"
        if path.is_file():
            return ImageFont.truetype(str(path), size)
    pytest.skip("DejaVu Sans not installed (fonts-dejavu-core)")


def test_long_category_labels_are_written_whole_and_never_cut_at_the_left_edge():
    svg = ElementTree.fromstring(horizontal_bars("categories", "Heures économisées par catégorie", LONG))
    font = dejavu(13)
    labels = [text for text in svg.iter(f"{SVG}text") if text.find(f"{SVG}tspan") is not None]
    assert [" ".join(span.text for span in text.iter(f"{SVG}tspan")) for text in labels] == [bar.label for bar in LONG]
    assert [span.text for span in labels[0]] == ["RH ›", "Congés et temps de travail"]  # the category on its line
    for text in labels:
        assert text.get("text-anchor") == "end"
        for span in text.iter(f"{SVG}tspan"):
            # Right-aligned at x: the line starts at x minus its width, which must stay inside the drawing.
            assert float(span.get("x")) - font.getlength(span.text) >= 0, span.text


def test_the_legend_of_a_three_month_chart_stays_inside_it():
    series = ["Déflexions", "Réponses suivies d'une demande ou 👎", "Abstentions"]
    svg = ElementTree.fromstring(stacked_columns("mois", "Questions par mois", [("2026-09", [3, 1, 1])] * 3, series))
    width = float(svg.get("viewBox").split()[2])
    font = dejavu(12)
    legend = [text for text in svg.iter(f"{SVG}text") if "(" in (text.text or "")]
    assert len(legend) == 3
    for text in legend:
        assert float(text.get("x")) + font.getlength(text.text.replace("👎", "MM")) <= width, text.text
