"""Formatting of the figures in French: « 1 234 », « 15,3 % », « 12,5 h »."""

from __future__ import annotations

from django import template

from relais.insights.measure import pct

register = template.Library()

NBSP = "\u00a0"


def _number(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}".replace(",", NBSP).replace(".", ",")
    return text


def format_cell(value, kind: str = "text") -> str:
    if value is None or value == "":
        return "—" if kind != "text" else ""
    if kind == "int":
        return _number(value, 0)
    if kind == "percent":
        return pct(value, 1 if abs(value) < 0.1 else 0)
    if kind == "hours":
        return f"{_number(value, 1)}{NBSP}h"
    if kind == "minutes":
        return f"{_number(value, 1)}{NBSP}min"
    if kind == "ms":
        return f"{_number(value, 0)}{NBSP}ms"
    if kind == "float":
        return _number(value, 2)
    return str(value)


@register.filter
def cell(value, kind: str = "text") -> str:
    return format_cell(value, kind)


@register.filter
def percent(value) -> str:
    return pct(value, 1 if value is not None and abs(value) < 0.1 else 0)


@register.filter
def hours(value) -> str:
    return format_cell(value, "hours")


@register.filter
def number(value) -> str:
    return format_cell(value, "int")


@register.filter
def zip_columns(row, columns):
    return zip(row, columns, strict=False)
