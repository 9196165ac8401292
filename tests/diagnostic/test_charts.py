"""The diagnosis' pictures: every cell's text readable on its grey (WCAG AA), the figures written in the picture."""

import pytest

from relais.diagnostic.charts import _shade


def _luminance(grey: int) -> float:
    c = grey / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def _contrast(a: float, b: float) -> float:
    high, low = max(a, b), min(a, b)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("share", [k / 20 for k in range(21)])
def test_each_heat_map_cell_keeps_its_text_readable(share):
    grey, ink = _shade(share)
    ink_luminance = 1.0 if ink == "#fff" else _luminance(0x1B)
    assert _contrast(_luminance(grey), ink_luminance) >= 4.5


def test_more_hours_is_darker():
    greys = [_shade(k / 10)[0] for k in range(11)]
    assert greys == sorted(greys, reverse=True) and greys[0] == 255
