"""Inline SVG charts: a text name, values written, series told apart by patterns, text escaped."""

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
