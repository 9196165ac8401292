"""A report written by a command: its PDF and HTML side by side, both or neither (the trial report, the diagnosis)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.core.management.base import CommandError

from relais.engine.writers.fonts import FontsMissing


def write_report_pair(out: Path, stem: str, pdf: Callable[[], bytes], html: Callable[[], str]) -> list[Path]:
    """Write STEM.html and STEM.pdf into OUT; the PDF is rendered first, so missing fonts leave no lone HTML."""
    out.mkdir(parents=True, exist_ok=True)
    try:
        pdf_bytes = pdf()
    except FontsMissing as error:
        raise CommandError(f"cannot write the PDF: {error}") from None
    (out / f"{stem}.html").write_text(html(), encoding="utf-8")
    (out / f"{stem}.pdf").write_bytes(pdf_bytes)
    return [out / f"{stem}.pdf", out / f"{stem}.html"]
